/// Where a store writes downloaded bytes: an open local file, from `offset` on, at most
/// `maxLength` bytes (`nil`: no limit).
public struct FileRegion: Sendable {
    /// An open file descriptor, written with `pwrite` (so regions of one file can be filled at once).
    public var descriptor: Int32
    /// The file offset of the first byte.
    public var offset: Int64
    /// The most bytes the region takes; more is an error (the server ignored the range).
    public var maxLength: Int64?

    public init(descriptor: Int32, offset: Int64, maxLength: Int64?) {
        self.descriptor = descriptor
        self.offset = offset
        self.maxLength = maxLength
    }
}

/// Writing a downloaded body into the local file failed (a full disk, a closed descriptor).
public struct LocalFileWriteError: Error, Sendable, CustomStringConvertible {
    /// The `errno` of the failed write.
    public var code: Int32
    /// The system's explanation (`strerror`).
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "cannot write the downloaded bytes: \(message)" }
}

/// A store that can stream an object's bytes straight into a local file as they arrive, instead of
/// collecting them in memory first (downloads of large objects).
public protocol FileReadingStore: ObjectStore {
    /// Writes the bytes of `key` in `range` (the whole object when `nil`) into `region`.
    ///
    /// A failed attempt that is retried writes its bytes again from `region.offset`, so the region
    /// holds the object's bytes only when this returns.
    /// - Parameter ifMatch: the ETag the object must have (from an earlier `head`), so that the parts
    ///   of one download cannot come from different versions of the object; `nil` for any version.
    /// - Returns: how many bytes were written (the range clipped to the object).
    /// - Throws: ``ObjectStoreError`` for the store (`.preconditionFailed` when the ETag no longer
    ///   matches), ``LocalFileWriteError`` when writing the file fails.
    func read(_ key: ObjectKey, range: ByteRange?, ifMatch: String?, into region: FileRegion) async throws -> Int64
}
