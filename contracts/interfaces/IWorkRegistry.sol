// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IWorkRegistry
/// @notice A registry of creative works. Each work is an ERC-721 token whose id is the SHA-256 of
///         the work's bytes, so one content hash can be registered once only. The token's
///         transfers are the chain of custody; the creator stays attributable after transfers.
/// @dev Only what contracts need to read is kept in storage (the owner, through ERC-721, and the
///      original creator once the token first leaves them). The metadata document's hash lives
///      in the `WorkRegistered` event, which indexers and verifiers read from the receipt.
///      Archives (catalogues of many works) can instead anchor one Merkle root for all of them
///      and claim each work as a token later, by proof of inclusion.
interface IWorkRegistry {
    /// @notice An anchored archive, one storage slot: the archivist and root are its key.
    /// @param anchoredAt Block timestamp of the anchoring (unix seconds); 0 = not anchored.
    /// @param count Number of works the archivist declared the tree to hold (not checked).
    struct Anchor {
        uint64 anchoredAt;
        uint32 count;
    }

    /// @notice A work was registered.
    /// @param workId The token id: the SHA-256 of the work's bytes, as uint256.
    /// @param creator The creator and first owner of the work.
    /// @param metadataHash SHA-256 of the canonical JSON metadata document served at `tokenURI`.
    event WorkRegistered(uint256 indexed workId, address indexed creator, bytes32 metadataHash);

    /// @notice A work was registered as a derivative of another (after `WorkRegistered`).
    /// @param workId The derivative work.
    /// @param parentId The work it derives from, on which the creator held a derivative licence.
    event DerivativeRegistered(uint256 indexed workId, uint256 indexed parentId);

    /// @notice The contract consulted for derivative licences changed.
    /// @param licenseChecker The new licence market.
    event LicenseCheckerChanged(address licenseChecker);

    /// @notice An archivist committed to a catalogue of works by its Merkle root.
    /// @param root Root of the tree whose leaves are
    ///        `keccak256(bytes.concat(keccak256(abi.encode(archivist, contentHash, metadataHash))))`,
    ///        pairs hashed in sorted order (OpenZeppelin `StandardMerkleTree`).
    /// @param archivist The account the works are attributed to, and their owner once claimed.
    /// @param count Number of works the archivist declared the tree to hold.
    /// @param anchoredAt Block timestamp of the anchoring: the works' registration time.
    event ArchiveAnchored(
        bytes32 indexed root, address indexed archivist, uint32 count, uint64 anchoredAt
    );

    /// @notice An anchored work became a token (after its `Transfer` and `WorkRegistered`).
    /// @param workId The token id: the work's SHA-256, as uint256.
    /// @param root The anchored root its inclusion was proven against.
    /// @param anchoredAt When that root was anchored: the work's registration time.
    event AnchoredWorkClaimed(uint256 indexed workId, bytes32 indexed root, uint64 anchoredAt);

    /// @notice The base of `tokenURI` changed.
    /// @param baseURI The new base; a token's URI is `baseURI || hex(workId) || "/metadata"`.
    event BaseURIChanged(string baseURI);

    /// @notice The content hash is registered already.
    /// @param contentHash The SHA-256 that was submitted.
    /// @param owner The current owner of the existing registration.
    error WorkAlreadyRegistered(bytes32 contentHash, address owner);

    /// @notice A relayed registration's signature is past its deadline.
    /// @param deadline The signed deadline (unix seconds).
    error SignatureExpired(uint256 deadline);

    /// @notice The signature was not made by the creator over this exact request, chain and
    ///         contract.
    /// @param creator The account the request claims to come from.
    error InvalidSignature(address creator);

    /// @notice A batch's arrays are empty or of different lengths.
    /// @param contentHashes Number of content hashes submitted.
    /// @param metadataHashes Number of metadata hashes submitted.
    error InvalidBatch(uint256 contentHashes, uint256 metadataHashes);

    /// @notice Registering a derivative needs a valid derivative licence on the parent.
    /// @param creator The registrant.
    /// @param parentId The parent work.
    error DerivativeLicenseRequired(address creator, uint256 parentId);

    /// @notice A zero content hash was submitted (it is nobody's SHA-256 in practice).
    error ZeroContentHash();

    /// @notice The archivist anchored this root already.
    /// @param archivist The archivist.
    /// @param root The root.
    /// @param anchoredAt When it was anchored (unix seconds).
    error ArchiveAlreadyAnchored(address archivist, bytes32 root, uint64 anchoredAt);

    /// @notice An archive must declare at least one work.
    /// @param root The root submitted with a count of zero.
    error EmptyArchive(bytes32 root);

    /// @notice The archivist never anchored this root.
    /// @param archivist The archivist named by the claim.
    /// @param root The root named by the claim.
    error ArchiveNotAnchored(address archivist, bytes32 root);

    /// @notice The proof does not lead from the work's leaf to the anchored root.
    /// @param root The anchored root.
    /// @param leaf The leaf computed from the archivist, content hash and metadata hash.
    error InvalidInclusionProof(bytes32 root, bytes32 leaf);

    /// @notice Registers a work owned by the caller.
    /// @param contentHash SHA-256 of the work's bytes.
    /// @param metadataHash SHA-256 of the work's canonical metadata document.
    /// @return workId The new token id.
    function register(bytes32 contentHash, bytes32 metadataHash) external returns (uint256 workId);

    /// @notice Registers a work for `creator`, who signed the EIP-712 `Register` message; the
    ///         caller (a relayer) pays the gas and the creator becomes the owner.
    /// @dev A signature cannot be replayed: it names the content hash, which registers once.
    /// @param creator The signer and owner-to-be.
    /// @param contentHash SHA-256 of the work's bytes.
    /// @param metadataHash SHA-256 of the work's canonical metadata document.
    /// @param deadline Unix time after which the signature is refused.
    /// @param signature The creator's 65-byte ECDSA or ERC-1271 signature.
    /// @return workId The new token id.
    function registerFor(
        address creator,
        bytes32 contentHash,
        bytes32 metadataHash,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 workId);

    /// @notice Registers many works owned by the caller in one transaction.
    /// @param contentHashes SHA-256 of each work's bytes.
    /// @param metadataHashes SHA-256 of each work's metadata document, in the same order.
    function registerBatch(bytes32[] calldata contentHashes, bytes32[] calldata metadataHashes)
        external;

    /// @notice Registers many works for `creator` with one EIP-712 `RegisterBatch` signature.
    /// @param creator The signer and owner-to-be of every work.
    /// @param contentHashes SHA-256 of each work's bytes.
    /// @param metadataHashes SHA-256 of each work's metadata document, in the same order.
    /// @param deadline Unix time after which the signature is refused.
    /// @param signature The creator's signature over the whole batch.
    function registerBatchFor(
        address creator,
        bytes32[] calldata contentHashes,
        bytes32[] calldata metadataHashes,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Registers a work of the caller that derives from `parentId`; the caller must hold
    ///         a valid derivative licence on the parent. The lineage is in `DerivativeRegistered`.
    /// @param contentHash SHA-256 of the work's bytes.
    /// @param metadataHash SHA-256 of the work's canonical metadata document.
    /// @param parentId The work this one derives from.
    /// @return workId The new token id.
    function registerDerivative(bytes32 contentHash, bytes32 metadataHash, uint256 parentId)
        external
        returns (uint256 workId);

    /// @notice Relayed `registerDerivative`, signed by the creator as EIP-712
    ///         `RegisterDerivative`.
    /// @param creator The signer, licensee of the parent and owner-to-be.
    /// @param contentHash SHA-256 of the work's bytes.
    /// @param metadataHash SHA-256 of the work's canonical metadata document.
    /// @param parentId The work this one derives from.
    /// @param deadline Unix time after which the signature is refused.
    /// @param signature The creator's signature.
    /// @return workId The new token id.
    function registerDerivativeFor(
        address creator,
        bytes32 contentHash,
        bytes32 metadataHash,
        uint256 parentId,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 workId);

    /// @notice Anchors the caller's archive: one Merkle root for `count` works, each of which
    ///         anyone can later turn into a token with `claimAnchored`.
    /// @dev Keyed by archivist and root, so that copying someone's root anchors nothing of
    ///      theirs: the leaves name their archivist. A content hash is not reserved by being
    ///      anchored; if it is registered directly meanwhile, the anchor time still shows who
    ///      was first.
    /// @param root The tree's root.
    /// @param count Number of works in the tree, as declared.
    function anchor(bytes32 root, uint32 count) external;

    /// @notice Anchors an archive for `archivist`, who signed the EIP-712 `Anchor` message; the
    ///         caller (a relayer) pays the gas.
    /// @dev A signature cannot be replayed: an archivist anchors a root once.
    /// @param archivist The signer, to whom the works are attributed.
    /// @param root The tree's root.
    /// @param count Number of works in the tree, as declared.
    /// @param deadline Unix time after which the signature is refused.
    /// @param signature The archivist's 65-byte ECDSA or ERC-1271 signature.
    function anchorFor(
        address archivist,
        bytes32 root,
        uint32 count,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Registers an anchored work as a token owned by its archivist, by proving that
    ///         the work's leaf is in the anchored tree. Anyone may call it (a relayer, say): the
    ///         outcome is fixed by what the archivist anchored.
    /// @param archivist The archivist who anchored `root`.
    /// @param root The anchored root.
    /// @param contentHash SHA-256 of the work's bytes.
    /// @param metadataHash SHA-256 of the work's canonical metadata document.
    /// @param proof Sibling hashes from the leaf up to the root.
    /// @return workId The new token id.
    function claimAnchored(
        address archivist,
        bytes32 root,
        bytes32 contentHash,
        bytes32 metadataHash,
        bytes32[] calldata proof
    ) external returns (uint256 workId);

    /// @notice An archivist's anchored root.
    /// @param archivist The archivist.
    /// @param root The root.
    /// @return anchoredAt When it was anchored (unix seconds); 0 if it never was.
    /// @return count Number of works declared.
    function anchorOf(address archivist, bytes32 root)
        external
        view
        returns (uint64 anchoredAt, uint32 count);

    /// @notice The account that registered the work, whoever owns it now.
    /// @param workId The token id.
    /// @return The original creator; reverts for an unregistered work.
    function creatorOf(uint256 workId) external view returns (address);

    /// @notice The royalty rate, in basis points, that `royaltyInfo` applies for the creator.
    /// @return Basis points of the sale price (10,000 = 100%).
    function royaltyBps() external view returns (uint96);
}
