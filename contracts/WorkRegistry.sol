// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Ownable2Step, Ownable} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ILicenseChecker} from "./interfaces/ILicenseChecker.sol";
import {IWorkRegistry} from "./interfaces/IWorkRegistry.sol";

/// @title WorkRegistry
/// @notice Content-addressed registry of creative works as ERC-721 tokens, with direct, relayed
///         (EIP-712) and batched registration, Merkle-anchored archives claimed work by work,
///         and ERC-2981 royalties to the original creator.
contract WorkRegistry is IWorkRegistry, ERC721, ERC2981, EIP712, Ownable2Step {
    bytes32 private constant REGISTER_TYPEHASH = keccak256(
        "Register(address creator,bytes32 contentHash,bytes32 metadataHash,uint256 deadline)"
    );
    bytes32 private constant REGISTER_BATCH_TYPEHASH = keccak256(
        "RegisterBatch(address creator,bytes32[] contentHashes,bytes32[] metadataHashes,"
        "uint256 deadline)"
    );

    bytes32 private constant REGISTER_DERIVATIVE_TYPEHASH = keccak256(
        "RegisterDerivative(address creator,bytes32 contentHash,bytes32 metadataHash,"
        "uint256 parentId,uint256 deadline)"
    );

    bytes32 private constant ANCHOR_TYPEHASH =
        keccak256("Anchor(address archivist,bytes32 root,uint32 count,uint256 deadline)");

    uint96 private immutable _ROYALTY_BPS;

    /// @notice The licence market that derivative registrations are checked against.
    ILicenseChecker public licenseChecker;

    /// @dev Written on a work's first transfer only; until then the owner is the creator.
    mapping(uint256 workId => address creator) private _transferredCreators;

    string private _tokenBaseURI;

    mapping(address archivist => mapping(bytes32 root => Anchor)) private _anchors;

    /// @param baseURI Base of `tokenURI` (e.g. `https://api.example/v1/works/`).
    /// @param royaltyBps_ Royalty for the original creator on resales, in basis points.
    /// @param initialOwner Admin allowed to change the base URI.
    constructor(string memory baseURI, uint96 royaltyBps_, address initialOwner)
        ERC721("Registered Work", "WORK")
        EIP712("WorkRegistry", "1")
        Ownable(initialOwner)
    {
        if (royaltyBps_ > _feeDenominator()) revert ERC2981InvalidDefaultRoyalty(royaltyBps_, 10_000);
        _ROYALTY_BPS = royaltyBps_;
        _tokenBaseURI = baseURI;
    }

    /// @inheritdoc IWorkRegistry
    function register(bytes32 contentHash, bytes32 metadataHash) external returns (uint256) {
        return _register(msg.sender, contentHash, metadataHash);
    }

    /// @inheritdoc IWorkRegistry
    function registerFor(
        address creator,
        bytes32 contentHash,
        bytes32 metadataHash,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        bytes32 structHash =
            keccak256(abi.encode(REGISTER_TYPEHASH, creator, contentHash, metadataHash, deadline));
        _checkSignature(creator, structHash, deadline, signature);
        return _register(creator, contentHash, metadataHash);
    }

    /// @inheritdoc IWorkRegistry
    function registerBatch(bytes32[] calldata contentHashes, bytes32[] calldata metadataHashes)
        external
    {
        _registerBatch(msg.sender, contentHashes, metadataHashes);
    }

    /// @inheritdoc IWorkRegistry
    function registerBatchFor(
        address creator,
        bytes32[] calldata contentHashes,
        bytes32[] calldata metadataHashes,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash = keccak256(
            abi.encode(
                REGISTER_BATCH_TYPEHASH,
                creator,
                keccak256(abi.encodePacked(contentHashes)),
                keccak256(abi.encodePacked(metadataHashes)),
                deadline
            )
        );
        _checkSignature(creator, structHash, deadline, signature);
        _registerBatch(creator, contentHashes, metadataHashes);
    }

    /// @inheritdoc IWorkRegistry
    function registerDerivative(bytes32 contentHash, bytes32 metadataHash, uint256 parentId)
        external
        returns (uint256)
    {
        return _registerDerivative(msg.sender, contentHash, metadataHash, parentId);
    }

    /// @inheritdoc IWorkRegistry
    function registerDerivativeFor(
        address creator,
        bytes32 contentHash,
        bytes32 metadataHash,
        uint256 parentId,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        bytes32 structHash = keccak256(
            abi.encode(
                REGISTER_DERIVATIVE_TYPEHASH, creator, contentHash, metadataHash, parentId, deadline
            )
        );
        _checkSignature(creator, structHash, deadline, signature);
        return _registerDerivative(creator, contentHash, metadataHash, parentId);
    }

    /// @inheritdoc IWorkRegistry
    function anchor(bytes32 root, uint32 count) external {
        _anchor(msg.sender, root, count);
    }

    /// @inheritdoc IWorkRegistry
    function anchorFor(
        address archivist,
        bytes32 root,
        uint32 count,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash =
            keccak256(abi.encode(ANCHOR_TYPEHASH, archivist, root, count, deadline));
        _checkSignature(archivist, structHash, deadline, signature);
        _anchor(archivist, root, count);
    }

    /// @inheritdoc IWorkRegistry
    function claimAnchored(
        address archivist,
        bytes32 root,
        bytes32 contentHash,
        bytes32 metadataHash,
        bytes32[] calldata proof
    ) external returns (uint256 workId) {
        uint64 anchoredAt = _anchors[archivist][root].anchoredAt;
        if (anchoredAt == 0) revert ArchiveNotAnchored(archivist, root);
        // Double-hashed (OpenZeppelin's leaf convention), so no leaf is a 64-byte inner node.
        bytes32 leaf =
            keccak256(bytes.concat(keccak256(abi.encode(archivist, contentHash, metadataHash))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidInclusionProof(root, leaf);
        workId = _register(archivist, contentHash, metadataHash);
        emit AnchoredWorkClaimed(workId, root, anchoredAt);
    }

    /// @inheritdoc IWorkRegistry
    function anchorOf(address archivist, bytes32 root)
        external
        view
        returns (uint64 anchoredAt, uint32 count)
    {
        Anchor memory anchored = _anchors[archivist][root];
        return (anchored.anchoredAt, anchored.count);
    }

    /// @notice Sets the licence market consulted for derivative registrations.
    /// @param checker The market.
    function setLicenseChecker(ILicenseChecker checker) external onlyOwner {
        licenseChecker = checker;
        emit LicenseCheckerChanged(address(checker));
    }

    /// @notice Changes the base of every token's URI.
    /// @param baseURI The new base.
    function setBaseURI(string calldata baseURI) external onlyOwner {
        _tokenBaseURI = baseURI;
        emit BaseURIChanged(baseURI);
    }

    /// @inheritdoc IWorkRegistry
    function creatorOf(uint256 workId) public view returns (address) {
        address creator = _transferredCreators[workId];
        return creator == address(0) ? _requireOwned(workId) : creator;
    }

    /// @inheritdoc IWorkRegistry
    function royaltyBps() external view returns (uint96) {
        return _ROYALTY_BPS;
    }

    /// @notice The EIP-712 domain separator for this chain and contract.
    /// @return The separator that signed messages are bound to.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice ERC-2981: the original creator receives `royaltyBps` of any sale price.
    /// @param workId The token id.
    /// @param salePrice The price the work sells for.
    /// @return receiver The creator.
    /// @return amount The royalty owed.
    function royaltyInfo(uint256 workId, uint256 salePrice)
        public
        view
        override
        returns (address receiver, uint256 amount)
    {
        return (creatorOf(workId), salePrice * _ROYALTY_BPS / _feeDenominator());
    }

    /// @notice The metadata document's URL: `baseURI || hex(workId) || "/metadata"`.
    /// @param workId The token id.
    /// @return The URL; reverts for an unregistered work.
    function tokenURI(uint256 workId) public view override returns (string memory) {
        _requireOwned(workId);
        return string.concat(_tokenBaseURI, Strings.toHexString(workId, 32), "/metadata");
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, ERC2981)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }

    /// @dev Remembers the creator the first time a work leaves them, so that mints stay cheap.
    function _update(address to, uint256 workId, address auth)
        internal
        override
        returns (address from)
    {
        from = super._update(to, workId, auth);
        if (from != address(0) && to != address(0) && _transferredCreators[workId] == address(0)) {
            _transferredCreators[workId] = from;
        }
    }

    function _register(address creator, bytes32 contentHash, bytes32 metadataHash)
        private
        returns (uint256 workId)
    {
        if (contentHash == bytes32(0)) revert ZeroContentHash();
        workId = uint256(contentHash);
        address existing = _ownerOf(workId);
        if (existing != address(0)) revert WorkAlreadyRegistered(contentHash, existing);
        _mint(creator, workId);
        emit WorkRegistered(workId, creator, metadataHash);
    }

    function _anchor(address archivist, bytes32 root, uint32 count) private {
        if (count == 0) revert EmptyArchive(root);
        Anchor storage anchored = _anchors[archivist][root];
        uint64 existing = anchored.anchoredAt;
        if (existing != 0) revert ArchiveAlreadyAnchored(archivist, root, existing);
        uint64 anchoredAt = uint64(block.timestamp);
        anchored.anchoredAt = anchoredAt;
        anchored.count = count;
        emit ArchiveAnchored(root, archivist, count, anchoredAt);
    }

    function _registerDerivative(
        address creator,
        bytes32 contentHash,
        bytes32 metadataHash,
        uint256 parentId
    ) private returns (uint256 workId) {
        ILicenseChecker checker = licenseChecker;
        if (
            address(checker) == address(0)
                || !checker.hasValidLicense(creator, parentId, ILicenseChecker.LicenseKind.Derivative)
        ) revert DerivativeLicenseRequired(creator, parentId);
        workId = _register(creator, contentHash, metadataHash);
        emit DerivativeRegistered(workId, parentId);
    }

    function _registerBatch(
        address creator,
        bytes32[] calldata contentHashes,
        bytes32[] calldata metadataHashes
    ) private {
        uint256 count = contentHashes.length;
        if (count == 0 || count != metadataHashes.length) {
            revert InvalidBatch(count, metadataHashes.length);
        }
        for (uint256 i; i < count; ++i) {
            _register(creator, contentHashes[i], metadataHashes[i]);
        }
    }

    function _checkSignature(
        address creator,
        bytes32 structHash,
        uint256 deadline,
        bytes calldata signature
    ) private view {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        bytes32 digest = _hashTypedDataV4(structHash);
        // Recover first: the ERC-1271 path costs an EXTCODESIZE that EOAs need not pay.
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == creator) return;
        if (!SignatureChecker.isValidERC1271SignatureNowCalldata(creator, digest, signature)) {
            revert InvalidSignature(creator);
        }
    }
}
