import CCrypto
import Foundation

/// SHA-256, HMAC-SHA-256 and MD5 over OpenSSL's libcrypto (one-shot EVP calls; thread-safe).
enum Crypto {
    /// SHA-256 of `bytes`.
    static func sha256(_ bytes: some ContiguousBytes) -> [UInt8] {
        digest(bytes, EVP_sha256(), length: 32)
    }

    /// MD5 of `bytes` (for S3's Content-MD5 and ETag checks, not for security).
    static func md5(_ bytes: some ContiguousBytes) -> [UInt8] {
        digest(bytes, EVP_md5(), length: 16)
    }

    /// HMAC-SHA-256 of `message` under `key`.
    static func hmacSHA256(key: [UInt8], _ message: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var outLength: UInt32 = 0
        key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBytes { messageBuffer in
                out.withUnsafeMutableBufferPointer { outBuffer in
                    _ = HMAC(EVP_sha256(), keyBuffer.baseAddress, Int32(keyBuffer.count),
                             messageBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBuffer.count,
                             outBuffer.baseAddress, &outLength)
                }
            }
        }
        return out
    }

    private static func digest(_ bytes: some ContiguousBytes, _ type: OpaquePointer?, length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var outLength: UInt32 = 0
        bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { outBuffer in
                // EVP_Digest accepts a NULL pointer for an empty input only with length 0.
                _ = EVP_Digest(input.baseAddress, input.count, outBuffer.baseAddress, &outLength, type, nil)
            }
        }
        return out
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hexadecimal.
    var hexString: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var chars = [UInt8]()
        chars.reserveCapacity(count * 2)
        for byte in self {
            chars.append(digits[Int(byte >> 4)])
            chars.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// Standard base64 (for Content-MD5).
    var base64String: String { Data(self).base64EncodedString() }
}
