/// Min/max/null-count of one column chunk, in the column's sort order (parquet.md §3):
/// signed for integers, dates, timestamps and decimals; IEEE order without NaN (and the ±0 rule)
/// for floats; unsigned byte-wise for strings and binary; false < true for booleans.
struct StatisticsAccumulator {
    enum Kind {
        case boolean, int32, int64, float, double, bytes
        /// A decimal stored as FIXED_LEN_BYTE_ARRAY of `width` big-endian bytes.
        case flba(width: Int)
    }

    let kind: Kind
    let isString: Bool
    var nullCount = 0
    var nanCount = 0
    private(set) var hasValue = false
    private var minI: Int64 = .max, maxI: Int64 = .min
    private var minD: Double = .infinity, maxD: Double = -.infinity
    private var minW: Int128 = .max, maxW: Int128 = .min
    private var minB: [UInt8] = [], maxB: [UInt8] = []

    init(kind: Kind, isString: Bool) {
        self.kind = kind
        self.isString = isString
    }

    mutating func reset() {
        nullCount = 0
        nanCount = 0
        hasValue = false
        minI = .max; maxI = .min
        minD = .infinity; maxD = -.infinity
        minW = .max; maxW = .min
        minB.removeAll(keepingCapacity: true); maxB.removeAll(keepingCapacity: true)
    }

    // MARK: updates

    @inline(__always)
    mutating func update(int v: Int64) {
        hasValue = true
        if v < minI { minI = v }
        if v > maxI { maxI = v }
    }

    @inline(__always)
    mutating func update(double v: Double) {
        if v.isNaN { nanCount += 1; return }
        hasValue = true
        if v < minD { minD = v }
        if v > maxD { maxD = v }
        // Track the sign of a zero bound: -0.0 compares equal to +0.0, the ±0 rule fixes it on output.
    }

    @inline(__always)
    mutating func update(decimal v: Int128) {
        hasValue = true
        if v < minW { minW = v }
        if v > maxW { maxW = v }
    }

    @inline(__always)
    mutating func update(bool v: Bool) { update(int: v ? 1 : 0) }

    mutating func update(bytes v: UnsafeRawBufferPointer) {
        if !hasValue {
            hasValue = true
            minB.removeAll(keepingCapacity: true); minB.append(contentsOf: v)
            maxB.removeAll(keepingCapacity: true); maxB.append(contentsOf: v)
            return
        }
        if minB.withUnsafeBytes({ compareBytes(v, $0) }) < 0 { minB.removeAll(keepingCapacity: true); minB.append(contentsOf: v) }
        if maxB.withUnsafeBytes({ compareBytes(v, $0) }) > 0 { maxB.removeAll(keepingCapacity: true); maxB.append(contentsOf: v) }
    }

    /// Updates from a whole buffer of fixed-width values (`validity` bit `validityOffset + i` set
    /// = value `i` present; `nil` = all present).
    mutating func update<T: FixedWidthInteger & SignedInteger>(ints values: UnsafeBufferPointer<T>, validity: [UInt8]?, validityOffset: Int) {
        guard !values.isEmpty else { return }
        var lo = T.max, hi = T.min, any = false
        if let validity {
            for i in 0..<values.count {
                let j = validityOffset + i
                if validity[j >> 3] & (1 << UInt8(j & 7)) != 0 {
                    let v = values[i]
                    lo = Swift.min(lo, v); hi = Swift.max(hi, v); any = true
                }
            }
        } else {
            for v in values { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
            any = true
        }
        if any { update(int: Int64(lo)); update(int: Int64(hi)) }
    }

    mutating func update<T: BinaryFloatingPoint>(floats values: UnsafeBufferPointer<T>, validity: [UInt8]?, validityOffset: Int) {
        for i in 0..<values.count {
            if let validity {
                let j = validityOffset + i
                if validity[j >> 3] & (1 << UInt8(j & 7)) == 0 { continue }
            }
            update(double: Double(values[i]))
        }
    }

    // MARK: output

    /// The Thrift statistics: null count always; min/max when a non-NaN value was seen;
    /// the deprecated min/max only for signed-order types.
    func thrift(truncateLength: Int) -> Statistics {
        var s = Statistics(nullCount: Int64(nullCount))
        guard hasValue else { return s }
        var minValue: [UInt8], maxValue: [UInt8]
        var minExact = true, maxExact = true
        var signed = true
        switch kind {
        case .boolean:
            minValue = [UInt8(minI)]; maxValue = [UInt8(maxI)]
            signed = false
        case .int32:
            minValue = le(UInt32(bitPattern: Int32(truncatingIfNeeded: minI)))
            maxValue = le(UInt32(bitPattern: Int32(truncatingIfNeeded: maxI)))
        case .int64:
            minValue = le(UInt64(bitPattern: minI)); maxValue = le(UInt64(bitPattern: maxI))
        case .float:
            let lo = minD == 0 ? -0.0 : minD, hi = maxD == 0 ? 0.0 : maxD
            minValue = le(Float(lo).bitPattern); maxValue = le(Float(hi).bitPattern)
        case .double:
            let lo = minD == 0 ? -0.0 : minD, hi = maxD == 0 ? 0.0 : maxD
            minValue = le(lo.bitPattern); maxValue = le(hi.bitPattern)
        case .flba(let width):
            minValue = bigEndian(minW, width: width); maxValue = bigEndian(maxW, width: width)
        case .bytes:
            signed = false
            minValue = minB; maxValue = maxB
            if minValue.count > truncateLength {
                minValue = truncatedMin(minB, truncateLength)
                minExact = false
            }
            if maxValue.count > truncateLength, let t = truncatedMax(maxB, truncateLength) {
                maxValue = t
                maxExact = false
            }
        }
        s.minValue = minValue
        s.maxValue = maxValue
        s.isMinValueExact = minExact
        s.isMaxValueExact = maxExact
        if signed {
            s.min = minValue
            s.max = maxValue
        }
        return s
    }

    /// A prefix of at most `n` bytes (cut on a UTF-8 character boundary for strings): a lower bound.
    private func truncatedMin(_ v: [UInt8], _ n: Int) -> [UInt8] {
        var end = n
        if isString { while end > 0, end < v.count, v[end] & 0xC0 == 0x80 { end -= 1 } }
        return Array(v[0..<end])
    }

    /// A value of at most `n` bytes greater than every value with `v`'s prefix, or `nil` when
    /// none exists (then the exact max is written). Strings stay valid UTF-8: the last character
    /// that can be incremented is, and the rest is dropped.
    private func truncatedMax(_ v: [UInt8], _ n: Int) -> [UInt8]? {
        if isString {
            // Character boundaries of the prefix.
            var end = n
            while end > 0, end < v.count, v[end] & 0xC0 == 0x80 { end -= 1 }
            var scalars = Array(String(decoding: v[0..<end], as: UTF8.self).unicodeScalars)
            while let last = scalars.popLast() {
                var next = last.value + 1
                if (0xD800...0xDFFF).contains(next) { next = 0xE000 }
                if let scalar = Unicode.Scalar(next) {
                    scalars.append(scalar)
                    var out: [UInt8] = []
                    for s in scalars { out.append(contentsOf: String(Character(s)).utf8) }
                    if out.count <= n { return out }
                    scalars.removeLast()
                }
            }
            return nil
        }
        var out = Array(v[0..<n])
        while let last = out.popLast() {
            if last < 0xFF {
                out.append(last + 1)
                return out
            }
        }
        return nil
    }
}

@inline(__always)
func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
    withUnsafeBytes(of: v.littleEndian) { Array($0) }
}

/// The low `width` bytes of `v`, big-endian (two's complement): the FIXED_LEN_BYTE_ARRAY decimal layout.
@inline(__always)
func bigEndian(_ v: Int128, width: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: width)
    for k in 0..<width { out[width - 1 - k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
    return out
}
