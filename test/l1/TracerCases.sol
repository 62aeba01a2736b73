// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/** Contracts whose transactions exercise every frame type, failure and state access the tracers report (test/l1/tracers.test.ts). */
contract Child {
    uint256 public stored;

    event Stored(uint256 indexed value, address from);

    error Custom(uint256 code, address who);

    constructor() payable {}

    function store(uint256 v) external payable {
        stored = v;
        emit Stored(v, msg.sender);
    }

    function read() external view returns (uint256) {
        return stored;
    }

    function fail(string calldata why) external {
        emit Stored(0, msg.sender);
        revert(why);
    }

    function failCustom() external view {
        revert Custom(7, msg.sender);
    }

    function burn() external {
        while (true) stored += 1;
    }

    function panic() external pure returns (uint256) {
        uint256[] memory a = new uint256[](1);
        return a[2];
    }

    function destroy(address payable to) external {
        selfdestruct(to);
    }
}

contract Parent {
    uint256 public counter;
    mapping(uint256 => uint256) public values;
    Child public child;

    event Called(uint256 indexed step, bytes data);

    constructor() payable {
        child = new Child();
    }

    function nested(uint256 v) external payable {
        emit Called(1, msg.data);
        child.store{value: msg.value / 2}(v);
        uint256 r = child.read();
        values[r] = v + 1;
        (bool ok,) = address(child).delegatecall(abi.encodeCall(Child.store, (v * 2)));
        require(ok, "delegatecall failed");
        emit Called(2, "");
        counter += 1;
    }

    function tryRevert() external {
        try child.fail("nope") {} catch {}
        emit Called(3, "");
    }

    function tryCustom() external {
        try child.failCustom() {} catch {}
        counter += 1;
    }

    function tryOog() external {
        try child.burn{gas: 50000}() {} catch {}
        counter += 1;
    }

    function tryPanic() external {
        try child.panic() {} catch {}
        counter += 1;
    }

    function make2(bytes32 salt) external returns (address c) {
        c = address(new Child{salt: salt}());
        Child(c).store(3);
    }

    function createAndDestroy(address payable to) external payable {
        Child c = new Child{value: msg.value}();
        c.store(9);
        c.destroy(to);
    }

    function destroyChild(address payable to) external {
        child.destroy(to);
    }

    function revertTop(string calldata why) external {
        child.store(1);
        revert(why);
    }

    function viaCallcode(uint256 v) external {
        address c = address(child);
        bytes memory data = abi.encodeCall(Child.store, (v));
        bool ok;
        assembly {
            ok := callcode(gas(), c, 0, add(data, 32), mload(data), 0, 0)
        }
        require(ok);
    }

    /** A CALL with more value than the contract holds: EthereumJS starts no message, geth records a failed frame. */
    function tooPoor() external {
        (bool ok,) = address(child).call{value: address(this).balance + 1}(abi.encodeCall(Child.store, (1)));
        require(!ok);
        counter += 1;
    }

    function hashAndLook(address a) external returns (bytes32 h) {
        h = sha256(abi.encode(a));
        values[uint256(h)] = a.balance + a.code.length + uint256(a.codehash);
    }
}

/** Transactions past the callTracer's bounds (CALL_TRACER_LIMITS) at little gas. */
contract Spam {
    function logs(uint256 n) external {
        for (uint256 i; i < n; i++) {
            assembly {
                log0(0, 0)
            }
        }
    }

    /** `n` calls to an empty account, each with the same `size` bytes of input already in memory. */
    function calls(uint256 n, uint256 size) external {
        bytes memory data = new bytes(size);
        for (uint256 i; i < n; i++) {
            assembly {
                pop(call(gas(), 0xdead, 0, add(data, 32), size, 0, 0))
            }
        }
    }
}
