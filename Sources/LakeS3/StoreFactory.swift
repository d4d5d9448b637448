import Foundation
import LakeObjectStore

/// Opens object stores from URLs: `s3://bucket/prefix` selects ``S3Store``; a plain path or a
/// `file://` URL selects ``LocalFolderStore``.
public enum StoreFactory {
    /// A store rooted at `url`: keys are relative to the bucket prefix or folder it names.
    /// - Parameters:
    ///   - url: `s3://bucket[/prefix]`, `file:///abs/path`, or a path (relative to the cwd).
    ///   - s3: command-line overrides of the AWS configuration (S3 URLs only).
    /// - Throws: `.invalidArgument` for a malformed or unsupported URL or bad configuration;
    ///   `.invalidCredentials` when an S3 URL is given and no credentials can be found.
    public static func open(_ url: String, s3: S3Configuration.Overrides = .init()) throws -> any ObjectStore {
        switch try parse(url) {
        case .s3(let bucket, let rest):
            return try S3Store(bucket: bucket, prefix: rest, configuration: S3Configuration.resolve(s3))
        case .local(let path):
            return LocalFolderStore(path: path)
        }
    }

    /// A store and key for commands on a single object. S3: the store at the bucket root and the
    /// rest of the URL as the key. Local: the store rooted at `/` and the absolute path without
    /// its leading `/` as the key (relative paths resolve against the cwd).
    /// - Throws: `.invalidArgument` when the URL names no object (a bare bucket or `/`).
    public static func locate(_ url: String, s3: S3Configuration.Overrides = .init()) throws -> (store: any ObjectStore, key: String) {
        switch try parse(url) {
        case .s3(let bucket, let rest):
            guard !rest.isEmpty else { throw invalid(url, "names a bucket, not an object: add the key (s3://\(bucket)/key)") }
            return (try S3Store(bucket: bucket, configuration: S3Configuration.resolve(s3)), rest)
        case .local(let path):
            let absolute = path.hasPrefix("/") ? path
                : FileManager.default.currentDirectoryPath + "/" + path
            let standardized = URL(fileURLWithPath: absolute).standardizedFileURL.path
            let key = String(standardized.drop { $0 == "/" })
            guard !key.isEmpty else { throw invalid(url, "names the root folder, not a file") }
            return (LocalFolderStore(root: URL(fileURLWithPath: "/", isDirectory: true)), key)
        }
    }

    enum Location: Equatable {
        case s3(bucket: String, rest: String)
        case local(path: String)
    }

    static func parse(_ url: String) throws -> Location {
        guard !url.isEmpty else { throw invalid(url, "empty URL") }
        if let schemeEnd = url.range(of: "://") {
            let scheme = url[..<schemeEnd.lowerBound].lowercased()
            let rest = String(url[schemeEnd.upperBound...])
            switch scheme {
            case "s3", "s3a":
                let slash = rest.firstIndex(of: "/") ?? rest.endIndex
                let bucket = String(rest[..<slash])
                guard !bucket.isEmpty else { throw invalid(url, "has no bucket (expected s3://bucket/prefix)") }
                guard bucket.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }) else {
                    throw invalid(url, "has an invalid bucket name '\(bucket)'")
                }
                let key = slash < rest.endIndex ? String(rest[rest.index(after: slash)...]) : ""
                return .s3(bucket: bucket, rest: key)
            case "file":
                // file:///abs/path (an empty or `localhost` authority).
                var path = rest
                if path.hasPrefix("localhost/") { path.removeFirst("localhost".count) }
                guard path.hasPrefix("/") else { throw invalid(url, "is not of the form file:///absolute/path") }
                return .local(path: path.removingPercentEncoding ?? path)
            default:
                throw invalid(url, "has an unsupported scheme '\(scheme)' (use s3://, file:// or a path)")
            }
        }
        return .local(path: url)
    }

    private static func invalid(_ url: String, _ message: String) -> ObjectStoreError {
        ObjectStoreError(.invalidArgument, operation: "open", key: url, message: "URL \(message)")
    }
}
