/// Z85, the Base85 variant of ZeroMQ RFC 32, which Delta uses for inline deletion vectors and the
/// UUIDs of relative deletion-vector paths (it is JSON-friendly: no quote or backslash).
///
/// Z85 maps every 4 bytes (a big-endian uint32) to 5 characters. Delta pads data whose length is
/// not a multiple of 4 with zero bytes when encoding and truncates to the known size when decoding.
public enum Z85 {
    /// The 85 characters, in digit order.
    static let alphabet: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    /// Character → digit, 0xFF for characters outside the alphabet.
    static let digits: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// Encodes bytes, zero-padding them to a multiple of 4 first.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 3) / 4 * 5)
        var i = 0
        while i < bytes.count {
            var value: UInt32 = 0
            for j in 0..<4 { value = value << 8 | UInt32(i + j < bytes.count ? bytes[i + j] : 0) }
            var chunk = [UInt8](repeating: 0, count: 5)
            for j in stride(from: 4, through: 0, by: -1) {
                chunk[j] = alphabet[Int(value % 85)]
                value /= 85
            }
            out.append(contentsOf: chunk)
            i += 4
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes Z85 text. `length`, when given, truncates the (multiple-of-4) output to that many bytes.
    /// - Throws: ``DeltaLogError`` when the text is not a multiple of 5 characters, holds a character
    ///   outside the alphabet, encodes a group above 2^32-1, or is shorter than `length`.
    public static func decode(_ text: String, length: Int? = nil) throws -> [UInt8] {
        let chars = Array(text.utf8)
        guard chars.count % 5 == 0 else {
            throw DeltaLogError("Z85 text has \(chars.count) characters, not a multiple of 5")
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 5 * 4)
        var i = 0
        while i < chars.count {
            var value: UInt64 = 0
            for j in 0..<5 {
                let digit = digits[Int(chars[i + j])]
                guard digit != 0xFF else {
                    throw DeltaLogError("Z85 text has a character outside the alphabet at position \(i + j)")
                }
                value = value * 85 + UInt64(digit)
            }
            guard value <= UInt64(UInt32.max) else {
                throw DeltaLogError("Z85 group at position \(i) encodes \(value), beyond 32 bits")
            }
            out.append(UInt8(truncatingIfNeeded: value >> 24))
            out.append(UInt8(truncatingIfNeeded: value >> 16))
            out.append(UInt8(truncatingIfNeeded: value >> 8))
            out.append(UInt8(truncatingIfNeeded: value))
            i += 5
        }
        if let length {
            guard length >= 0, length <= out.count else {
                throw DeltaLogError("Z85 text decodes to \(out.count) bytes, fewer than the expected \(length)")
            }
            out.removeLast(out.count - length)
        }
        return out
    }
}
