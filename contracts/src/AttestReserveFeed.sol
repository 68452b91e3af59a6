// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title AttestReserveFeed
/// @notice One coin's attested reserves, published by Attest, readable through Chainlink's
///         AggregatorV3Interface (decimals, description, version, getRoundData, latestRoundData).
///         The answer is the coin's eligible reserves under its headline licence, in token base
///         units at `decimals` (the token's own decimals), so `totalSupply() <= answer` compares
///         like with like. Each round also keeps the hash and id of the Attest publication it
///         came from: GET /api/v1/publications/{id}/ on the Attest API shows the proof behind it.
/// @dev Rounds are posted strictly in order (`roundId == latestRound + 1`), so two publishers
///      racing to post the same round cannot both succeed. Written for Attest; not audited.
contract AttestReserveFeed {
    struct Round {
        int256 answer;
        uint64 startedAt; // when Attest evaluated the publication behind the answer
        uint64 updatedAt; // when the round was posted (block time)
        uint64 publicationId;
        bytes32 publicationHash;
    }

    uint8 public immutable decimals;
    uint256 public constant version = 1;
    uint32 public immutable heartbeat; // seconds: a new round at least this often while verified
    uint32 public immutable deviationBps; // basis points: a move beyond this posts a new round
    string public description;
    address public owner;
    address public poster;
    uint80 public latestRound;

    mapping(uint80 => Round) private _rounds;

    // Chainlink's aggregator events, so existing indexers and monitors understand the feed.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);
    event RoundProof(uint80 indexed roundId, uint64 publicationId, bytes32 publicationHash);
    event PosterChanged(address indexed previousPoster, address indexed newPoster);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    constructor(uint8 decimals_, string memory description_, uint32 heartbeat_, uint32 deviationBps_, address poster_) {
        require(poster_ != address(0), "AttestReserveFeed: poster is the zero address");
        decimals = decimals_;
        description = description_;
        heartbeat = heartbeat_;
        deviationBps = deviationBps_;
        owner = msg.sender;
        poster = poster_;
        emit OwnershipTransferred(address(0), msg.sender);
        emit PosterChanged(address(0), poster_);
    }

    function setPoster(address newPoster) external {
        require(msg.sender == owner, "AttestReserveFeed: caller is not the owner");
        require(newPoster != address(0), "AttestReserveFeed: poster is the zero address");
        emit PosterChanged(poster, newPoster);
        poster = newPoster;
    }

    function transferOwnership(address newOwner) external {
        require(msg.sender == owner, "AttestReserveFeed: caller is not the owner");
        require(newOwner != address(0), "AttestReserveFeed: owner is the zero address");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function postRound(
        uint80 roundId,
        int256 answer,
        uint64 observedAt,
        uint64 publicationId,
        bytes32 publicationHash
    ) external {
        require(msg.sender == poster, "AttestReserveFeed: caller is not the poster");
        require(roundId == latestRound + 1, "AttestReserveFeed: round out of order");
        require(answer >= 0, "AttestReserveFeed: negative reserves");
        require(observedAt <= block.timestamp, "AttestReserveFeed: observed in the future");
        _rounds[roundId] = Round(answer, observedAt, uint64(block.timestamp), publicationId, publicationHash);
        latestRound = roundId;
        emit NewRound(roundId, msg.sender, observedAt);
        emit AnswerUpdated(answer, roundId, block.timestamp);
        emit RoundProof(roundId, publicationId, publicationHash);
    }

    function getRoundData(uint80 roundId)
        public
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round storage r = _rounds[roundId];
        require(r.updatedAt != 0, "No data present");
        return (roundId, r.answer, r.startedAt, r.updatedAt, roundId);
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return getRoundData(latestRound);
    }

    /// @notice The Attest publication behind a round: fetch it by id and compare its content hash.
    function proofOf(uint80 roundId) external view returns (uint64 publicationId, bytes32 publicationHash) {
        Round storage r = _rounds[roundId];
        require(r.updatedAt != 0, "No data present");
        return (r.publicationId, r.publicationHash);
    }
}
