/// Sanity caps on sizes read from a file, so a corrupt header cannot make the reader allocate
/// without bound. Real files stay far below them.
public enum DecodingLimits {
    /// The most bytes one page may decode into (strings expanded by DELTA_BYTE_ARRAY prefixes,
    /// a decompressed page).
    public static let maxPageBytes = 1 << 30
    /// The most values a DELTA_BINARY_PACKED block may hold.
    public static let maxDeltaBlockSize = 1 << 16
}

/// A cursor over little-endian bytes for headers inside pages (varints, widths). Every read is
/// bounds-checked.
struct ByteCursor {
    let buffer: UnsafeRawBufferPointer
    var pos: Int

    init(_ buffer: UnsafeRawBufferPointer, pos: Int = 0) {
        self.buffer = buffer
        self.pos = pos
    }

    var remaining: Int { buffer.count - pos }

    mutating func readByte(_ what: @autoclosure () -> String) throws -> UInt8 {
        guard pos < buffer.count else { throw ParquetDecodingError("\(what()) runs past the end of the data") }
        defer { pos += 1 }
        return buffer[pos]
    }

    /// An unsigned LEB128 varint of up to 64 bits.
    mutating func readVarint(_ what: @autoclosure () -> String) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < buffer.count else { throw ParquetDecodingError("\(what()) runs past the end of the data") }
            let byte = buffer[pos]
            pos += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw ParquetDecodingError("\(what()) is not a valid varint") }
        }
    }

    /// A zigzag-encoded signed varint.
    mutating func readZigzag(_ what: @autoclosure () -> String) throws -> Int64 {
        let raw = try readVarint(what())
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }
}
