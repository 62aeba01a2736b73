// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title L2Withdrawals: the L2 side of the bridge, predeployed at 0x0000000000000000000000000000000000008001.
/// @notice `withdraw(l1Recipient)` takes ETH out of circulation on L2 and emits the event the
///         sequencer turns into a withdrawal leaf; once the batch holding it is executed on L1,
///         anyone can finalize it there with the proof `rollup_getWithdrawalProof` serves.
/// @dev The contract has no function that sends ETH: what it receives is burnt (held forever).
contract L2Withdrawals {
    /// @notice Withdrawals taken so far; the next one gets this id.
    uint256 public withdrawalCount;

    event WithdrawalInitiated(uint256 indexed id, address indexed l2Sender, address indexed l1Recipient, uint256 amount);

    error NothingToWithdraw();
    error ZeroRecipient();

    function withdraw(address l1Recipient) external payable returns (uint256 id) {
        if (msg.value == 0) revert NothingToWithdraw();
        if (l1Recipient == address(0)) revert ZeroRecipient();
        id = withdrawalCount++;
        emit WithdrawalInitiated(id, msg.sender, l1Recipient, msg.value);
    }
}
