#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open-addressing hash table from fixed-width values (by bit pattern, so NaNs and ±0 are
/// distinct entries as in arrow-rs) to dictionary indices in insertion order. Each slot holds the
/// key next to its index so a probe touches one cache line.
struct FixedDictionary<Key: FixedWidthInteger & UnsignedInteger> {
    struct Slot {
        var key: Key
        /// -1 = empty.
        var index: Int32
    }

    private(set) var keys: [Key] = []
    private var slots: [Slot]
    private var mask: Int

    init() {
        slots = [Slot](repeating: Slot(key: 0, index: -1), count: 1024)
        mask = 1023
        keys.reserveCapacity(512)
    }

    /// An empty, unusable table that allocates nothing (a stand-in while the real one is moved out).
    init(placeholder: ()) {
        slots = []
        mask = 0
    }

    var count: Int { keys.count }
    /// The size of the PLAIN-encoded dictionary page.
    var plainSize: Int { keys.count * MemoryLayout<Key>.size }

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        if slots.count > 1 << 20 {
            slots = [Slot](repeating: Slot(key: 0, index: -1), count: 1024)
            mask = 1023
        } else {
            for i in slots.indices { slots[i].index = -1 }
        }
    }

    @inline(__always)
    private static func hash(_ key: Key) -> Int {
        var h = UInt64(truncatingIfNeeded: key) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// The index of `key`, inserting it if new.
    @inline(__always)
    mutating func index(of key: Key) -> (index: UInt32, inserted: Bool) {
        var slot = Self.hash(key) & mask
        while true {
            let e = slots[slot]
            if e.index < 0 {
                let index = Int32(keys.count)
                slots[slot] = Slot(key: key, index: index)
                keys.append(key)
                if keys.count * 2 > slots.count { grow() }
                return (UInt32(index), true)
            }
            if e.key == key { return (UInt32(e.index), false) }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let newCount = slots.count * 2
        slots = [Slot](repeating: Slot(key: 0, index: -1), count: newCount)
        mask = newCount - 1
        for (i, key) in keys.enumerated() {
            var slot = Self.hash(key) & mask
            while slots[slot].index >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Slot(key: key, index: Int32(i))
        }
    }
}

/// An open-addressing hash table from byte strings to dictionary indices; entries are kept
/// back to back in one buffer and compared as raw bytes.
struct BytesDictionary {
    private(set) var data: [UInt8] = []
    private(set) var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int
    /// The size of the PLAIN-encoded dictionary page (4-byte length + bytes per entry).
    private(set) var plainSize = 0

    init() {
        slots = [Int32](repeating: -1, count: 1024)
        mask = 1023
    }

    var count: Int { hashes.count }

    mutating func removeAll() {
        data.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
        hashes.removeAll(keepingCapacity: true)
        plainSize = 0
        if slots.count > 1 << 20 {
            slots = [Int32](repeating: -1, count: 1024)
            mask = 1023
        } else {
            for i in slots.indices { slots[i] = -1 }
        }
    }

    /// A fast, non-cryptographic hash of a byte string (8 bytes at a time, multiply-mix).
    @inline(__always)
    static func hash(_ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h: UInt64 = UInt64(n) &* k
        var i = 0
        while i + 8 <= n {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* k
            h = (h << 23) | (h >> 41)
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
                i += 1
            }
            h = (h ^ w) &* k
        }
        h ^= h >> 32
        h = h &* 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return h
    }

    /// The index of the `n` bytes at `p`, inserting them if new.
    @inline(__always)
    mutating func index(of p: UnsafeRawPointer, count n: Int) -> (index: UInt32, inserted: Bool) {
        let h = Self.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = slots[slot]
            if e < 0 {
                let index = Int32(hashes.count)
                slots[slot] = index
                hashes.append(h)
                data.append(contentsOf: UnsafeRawBufferPointer(start: p, count: n))
                offsets.append(data.count)
                plainSize += 4 + n
                if hashes.count * 2 > slots.count { grow() }
                return (UInt32(index), true)
            }
            let ei = Int(e)
            if hashes[ei] == h {
                let start = offsets[ei]
                if offsets[ei + 1] - start == n {
                    let equal = data.withUnsafeBytes { buf -> Bool in
                        guard n > 0, let base = buf.baseAddress else { return true }
                        return memcmpBytes(base + start, p, n)
                    }
                    if equal { return (UInt32(e), false) }
                }
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let newCount = slots.count * 2
        slots = [Int32](repeating: -1, count: newCount)
        mask = newCount - 1
        for (i, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i)
        }
    }
}

/// Byte-wise equality of two non-overlapping ranges.
@inline(__always)
func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}

/// Unsigned lexicographic comparison of two byte strings: <0, 0, >0.
@inline(__always)
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
        let c = memcmp(pa, pb, n)
        if c != 0 { return Int(c) }
    }
    return a.count - b.count
}
