/// Rules every store applies to keys, so that a key can never address anything outside the
/// store's root and behaves the same on S3 and in a local folder.
public enum ObjectKeyValidation {
    /// Keys longer than this are rejected (S3's limit).
    public static let maximumKeyBytes = 1024

    /// Names of this form are a local store's staging files; no key may use them.
    public static let stagingMarker = ".lakectl-tmp-"

    /// Throws `.invalidArgument` unless `key` is a valid object key: non-empty, relative, no empty,
    /// `.` or `..` segments, no NUL or other control characters, at most 1,024 bytes.
    public static func validate(_ key: ObjectKey, operation: String) throws {
        func reject(_ why: String) -> ObjectStoreError {
            ObjectStoreError(.invalidArgument, operation: operation, key: printable(key),
                             message: "invalid key: \(why)")
        }
        if key.isEmpty { throw reject("the key is empty") }
        if key.utf8.count > maximumKeyBytes { throw reject("longer than \(maximumKeyBytes) bytes") }
        if key.utf8.first == UInt8(ascii: "/") { throw reject("absolute keys are not allowed; keys are relative to the store root") }
        if key.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { throw reject("contains a NUL or control character") }
        for segment in key.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { throw reject("empty path segment (a leading, trailing or doubled '/')") }
            if segment == "." || segment == ".." { throw reject("'.' and '..' segments are not allowed") }
            if segment.hasPrefix(stagingMarker) { throw reject("names starting with \(stagingMarker) are reserved") }
        }
    }

    /// Throws unless `prefix` is usable as a listing prefix: like a key, but may be empty and may
    /// end with `/`.
    public static func validatePrefix(_ prefix: String, operation: String) throws {
        if prefix.isEmpty { return }
        var trimmed = Substring(prefix)
        if trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty {
            throw ObjectStoreError(.invalidArgument, operation: operation, key: prefix, message: "invalid prefix '/'")
        }
        // A partial last segment ("a/b/.") is fine for S3 semantics, but "." and ".." segments are not.
        try validate(String(trimmed), operation: operation)
    }

    /// The key with control characters escaped, safe to print in a one-line message.
    public static func printable(_ key: String) -> String {
        var out = ""
        for scalar in key.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out.count > 300 ? String(out.prefix(300)) + "…" : out
    }
}
