// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IReserveFeed {
    function decimals() external view returns (uint8);

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

interface IMintableToken {
    function decimals() external view returns (uint8);

    function totalSupply() external view returns (uint256);

    function mint(address to, uint256 amount) external returns (bool);
}

/// @title SecureMintGuard
/// @notice "Secure mint": the only minter of a token, it mints only while
///         `totalSupply + amount <= reserves` per the reserve feed, and only while the feed's
///         latest round is no older than `maxAge` seconds. The issuer (owner) mints through it.
/// @dev The feed must carry the token's decimals, so the comparison needs no scaling. A feed that
///      stops updating (Attest posts nothing while a coin is unverified) stops minting once
///      `maxAge` passes: the guard fails closed. Written for Attest; not audited.
contract SecureMintGuard {
    IReserveFeed public immutable feed;
    IMintableToken public immutable token;
    uint256 public immutable maxAge;
    address public owner;

    event GuardedMint(address indexed to, uint256 amount, uint80 roundId, int256 reserves);

    constructor(IReserveFeed feed_, IMintableToken token_, uint256 maxAge_) {
        require(feed_.decimals() == token_.decimals(), "SecureMintGuard: feed and token decimals differ");
        feed = feed_;
        token = token_;
        maxAge = maxAge_;
        owner = msg.sender;
    }

    /// @return allowed whether `amount` can be minted now; reason says why not ("" when allowed)
    function mintAllowed(uint256 amount) public view returns (bool allowed, string memory reason) {
        uint80 roundId;
        int256 reserves;
        uint256 updatedAt;
        // A feed with no round yet reverts (Chainlink's "No data present"): no round, no mint.
        try feed.latestRoundData() returns (uint80 r, int256 answer, uint256, uint256 updated, uint80) {
            (roundId, reserves, updatedAt) = (r, answer, updated);
        } catch {
            return (false, "SecureMintGuard: no reserve round");
        }
        if (roundId == 0 || updatedAt == 0) return (false, "SecureMintGuard: no reserve round");
        if (block.timestamp > updatedAt + maxAge) return (false, "SecureMintGuard: reserve round is stale");
        if (reserves < 0) return (false, "SecureMintGuard: negative reserves");
        uint256 supply = token.totalSupply();
        if (amount > type(uint256).max - supply || supply + amount > uint256(reserves)) {
            return (false, "SecureMintGuard: mint exceeds reserves");
        }
        return (true, "");
    }

    function mint(address to, uint256 amount) external returns (bool) {
        require(msg.sender == owner, "SecureMintGuard: caller is not the owner");
        (bool allowed, string memory reason) = mintAllowed(amount);
        require(allowed, reason);
        (uint80 roundId, int256 reserves,,,) = feed.latestRoundData();
        require(token.mint(to, amount), "SecureMintGuard: token refused the mint");
        emit GuardedMint(to, amount, roundId, reserves);
        return true;
    }
}
