/// A packed bit vector, least significant bit first (the layout of Arrow validity bitmaps and
/// Parquet bit-packed definition levels). Used for column validity: bit set = value present.
public struct Bitmap: Sendable, Hashable {
    /// The packed bytes; bits past ``count`` are zero.
    public private(set) var bytes: [UInt8]
    public private(set) var count: Int

    public init() {
        bytes = []
        count = 0
    }

    /// `count` bits, all set to `value`.
    public init(repeating value: Bool, count: Int) {
        self.count = count
        bytes = [UInt8](repeating: value ? 0xFF : 0, count: (count + 7) / 8)
        if value, count % 8 != 0 { bytes[bytes.count - 1] = UInt8((1 << (count % 8)) - 1) }
    }

    /// Wraps packed bytes holding `count` bits.
    public init(bytes: [UInt8], count: Int) {
        precondition(bytes.count >= (count + 7) / 8, "bitmap too short")
        self.bytes = Array(bytes.prefix((count + 7) / 8))
        self.count = count
        if count % 8 != 0, !self.bytes.isEmpty { self.bytes[self.bytes.count - 1] &= UInt8((1 << (count % 8)) - 1) }
    }

    public init<S: Sequence>(_ bits: S) where S.Element == Bool {
        self.init()
        for bit in bits { append(bit) }
    }

    @inline(__always)
    public subscript(index: Int) -> Bool {
        get { bytes[index >> 3] & (1 << UInt8(index & 7)) != 0 }
        set {
            if newValue { bytes[index >> 3] |= 1 << UInt8(index & 7) } else { bytes[index >> 3] &= ~(1 << UInt8(index & 7)) }
        }
    }

    @inline(__always)
    public mutating func append(_ bit: Bool) {
        if count & 7 == 0 { bytes.append(0) }
        if bit { bytes[count >> 3] |= 1 << UInt8(count & 7) }
        count += 1
    }

    public mutating func reserveCapacity(_ n: Int) { bytes.reserveCapacity((n + 7) / 8) }

    /// The number of set bits.
    public var nonzeroBitCount: Int { bytes.reduce(0) { $0 + $1.nonzeroBitCount } }
}
