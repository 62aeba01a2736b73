// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// Deploys a Counter with CREATE and another with CREATE2 (salt from the SALT variable, so reruns
// against one chain do not collide), and calls each. Foundry's cheatcodes are declared here: the
// test has no forge-std and no network to install it.

interface Vm {
    function startBroadcast() external;
    function stopBroadcast() external;
    function envUint(string calldata name) external view returns (uint256);
}

contract Counter {
    uint256 public count;
    function increment() external { count += 1; }
}

contract Deploy {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function run() external {
        vm.startBroadcast();
        Counter a = new Counter();
        Counter b = new Counter{salt: bytes32(vm.envUint("SALT"))}();
        a.increment();
        b.increment();
        vm.stopBroadcast();
    }
}
