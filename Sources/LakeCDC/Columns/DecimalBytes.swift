import LakeColumnar

/// Kafka Connect's binary decimals (big-endian two's-complement unscaled bytes) and their
/// rescaling. Text forms of values are parsed by LakeColumnar's ``ValueText`` (the one text →
/// value path); these helpers are for the binary encodings Debezium uses.
enum DecimalBytes {
    static let maxDecimal: Int128 = {
        var v: Int128 = 1
        for _ in 0..<38 { v *= 10 }
        return v - 1
    }()

    /// `v * 10^shift`; a negative shift must divide exactly.
    static func rescale(_ v: Int128, by shift: Int) -> Int128? {
        var v = v
        if shift >= 0 {
            for _ in 0..<shift {
                let (m, o) = v.multipliedReportingOverflow(by: 10)
                guard !o, m.magnitude <= maxDecimal.magnitude else { return nil }
                v = m
            }
        } else {
            for _ in 0..<(-shift) {
                guard v % 10 == 0 else { return nil }
                v /= 10
            }
        }
        return v
    }

    /// A big-endian two's-complement integer (Kafka Connect Decimal's bytes) → Int128.
    static func int128(bigEndian b: UnsafeBufferPointer<UInt8>) -> Int128? {
        guard !b.isEmpty else { return 0 }
        var start = 0
        // Sign-extension bytes beyond 16 are allowed if redundant.
        while b.count - start > 16 {
            let expected: UInt8 = (b[start + 1] & 0x80) != 0 ? 0xFF : 0
            guard b[start] == expected else { return nil }
            start += 1
        }
        var v: Int128 = (b[start] & 0x80) != 0 ? -1 : 0
        for i in start..<b.count { v = (v << 8) | Int128(b[i]) }
        return v
    }
}
