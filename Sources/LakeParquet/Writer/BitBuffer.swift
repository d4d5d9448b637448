/// A growable LSB-first bit vector the writer fills with a page's definition levels (bit width 1)
/// or boolean values, reused page after page.
struct BitBuffer {
    var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        count = 0
    }

    @inline(__always)
    mutating func append(_ bit: Bool) {
        if count & 7 == 0 { bytes.append(0) }
        if bit { bytes[count >> 3] |= 1 << UInt8(count & 7) }
        count += 1
    }

    mutating func appendOnes(_ n: Int) {
        var n = n
        while n > 0, count & 7 != 0 { append(true); n -= 1 }
        if n >= 8 {
            bytes.append(contentsOf: repeatElement(0xFF, count: n / 8))
            count += n / 8 * 8
            n %= 8
        }
        while n > 0 { append(true); n -= 1 }
    }

    /// Appends bits `offset ..< offset + n` of a packed bitmap.
    mutating func append(bitsOf source: [UInt8], offset: Int, count n: Int) {
        guard n > 0 else { return }
        if count & 7 == 0, offset & 7 == 0 {
            let fullBytes = n / 8
            bytes.append(contentsOf: source[(offset >> 3)..<((offset >> 3) + fullBytes)])
            count += fullBytes * 8
            let rest = n % 8
            if rest > 0 {
                bytes.append(source[(offset >> 3) + fullBytes] & UInt8((1 << rest) - 1))
                count += rest
            }
            return
        }
        source.withUnsafeBufferPointer { src in
            for i in offset..<(offset + n) { append(src[i >> 3] & (1 << UInt8(i & 7)) != 0) }
        }
    }
}
