// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Traced: transactions for the differential trace test (test/e2e/traces.test.ts), run on
///        the chain and on anvil. Storage writes and refunds, a revert with a reason, nested CALL,
///        DELEGATECALL, STATICCALL, CREATE and CREATE2, logs and memory use. Nothing here reads
///        what differs between two chains (block number, time, coinbase, base fee, balances).
contract Child {
    uint256 public value;

    event Set(uint256 value);

    function set(uint256 v) external {
        value = v;
        emit Set(v);
    }

    function fail() external pure {
        revert("child says no");
    }
}

contract Traced {
    uint256 public counter;
    mapping(uint256 => uint256) public slots;
    Child public child;

    event Stored(uint256 indexed key, uint256 value);

    constructor() {
        child = new Child();
    }

    function store(uint256 key, uint256 value) external {
        slots[key] = value;
        counter += 1;
        emit Stored(key, value);
    }

    /// Clears a slot: a refund in the struct log.
    function clear(uint256 key) external {
        delete slots[key];
    }

    function fail(string calldata reason) external pure {
        revert(reason);
    }

    /// CALL, a DELEGATECALL that writes this contract's slot 0, a reverted inner call, a STATICCALL, CREATE2.
    function nested(uint256 v) external returns (address created) {
        child.set(v);
        (bool ok,) = address(child).delegatecall(abi.encodeCall(Child.set, (v + 1)));
        require(ok, "delegatecall failed");
        try child.fail() {} catch {}
        require(child.value() == v, "static read");
        created = address(new Child{salt: bytes32(v)}());
    }

    /// Memory use: hashes a growing buffer `rounds` times.
    function churn(uint256 rounds) external pure returns (bytes32 h) {
        bytes memory buf = new bytes(32 * rounds);
        for (uint256 i = 0; i < rounds; i++) {
            assembly {
                mstore(add(add(buf, 32), mul(i, 32)), h)
            }
            h = keccak256(buf);
        }
    }

    /// Spins until the gas runs out: an "out of gas" step.
    function burn() external {
        while (true) counter += 1;
    }
}
