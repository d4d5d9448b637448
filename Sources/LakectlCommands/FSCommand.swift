import ArgumentParser
import Foundation
import LakeObjectStore

extension Lakectl {
    /// `lakectl fs`: inspect and move objects on any store, in the style of lakeFS's `lakectl fs`.
    struct FS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fs",
            abstract: "List, read, upload, download and remove objects on a local folder or S3.",
            subcommands: [List.self, Cat.self, Stat.self, Upload.self, Download.self, Remove.self]
        )
    }
}

extension Lakectl.FS {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List objects and folders under a URL.")

        @Argument(help: "A store URL: a path, file:// or s3://bucket/prefix.") var url: String
        @Flag(name: .shortAndLong, help: "List every object below the URL instead of one level.") var recursive = false
        @Flag(help: "One JSON object per line.") var json = false
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (objectStore, key) = try store.locate(url)
            var prefix = key
            if !prefix.isEmpty && !prefix.hasSuffix("/") {
                // "ls path/to/folder" lists the folder; "ls path/to/object" shows the object.
                if let meta = try? await objectStore.head(prefix) {
                    printEntry(meta)
                    return
                }
                prefix += "/"
            }
            if recursive {
                var options = ListOptions(prefix: prefix)
                while true {
                    let page = try await objectStore.list(options)
                    page.objects.forEach(printEntry)
                    guard let token = page.nextContinuationToken else { break }
                    options.continuationToken = token
                }
            } else {
                var options = ListOptions(prefix: prefix, delimiter: "/")
                while true {
                    let page = try await objectStore.list(options)
                    for folder in page.commonPrefixes {
                        if json {
                            print(#"{"type":"folder","key":\#(jsonString(folder))}"#)
                        } else {
                            print("\("DIR".padding(toLength: 12, withPad: " ", startingAt: 0))  \("".padding(toLength: 24, withPad: " ", startingAt: 0))  \(folder)")
                        }
                    }
                    page.objects.forEach(printEntry)
                    guard let token = page.nextContinuationToken else { break }
                    options.continuationToken = token
                }
            }
        }

        private func printEntry(_ meta: ObjectMeta) {
            if json {
                print(metaJSON(meta))
            } else {
                let size = String(meta.size)
                print("\(String(repeating: " ", count: max(0, 12 - size.count)))\(size)  \(isoDate(meta.lastModified))  \(meta.key)")
            }
        }
    }

    struct Cat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write an object's bytes to standard output.")

        @Argument(help: "The object's URL.") var url: String
        @Option(help: "Read from this byte offset.") var offset: Int64?
        @Option(help: "Read at most this many bytes.") var length: Int64?
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (objectStore, key) = try store.locate(url)
            let range: ByteRange? = switch (offset, length) {
            case (nil, nil): nil
            case (let o?, nil): .from(offset: o)
            case (let o, let l?): .bounded(offset: o ?? 0, length: l)
            }
            let bytes = try await objectStore.get(key, range: range).bytes
            FileHandle.standardOutput.write(Data(bytes))
        }
    }

    struct Stat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an object's size, ETag and modification time.")

        @Argument(help: "The object's URL.") var url: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (objectStore, key) = try store.locate(url)
            let meta = try await objectStore.head(key)
            if json {
                print(metaJSON(meta))
            } else {
                print("key:           \(meta.key)")
                print("size:          \(meta.size)")
                print("last-modified: \(isoDate(meta.lastModified))")
                print("etag:          \(meta.eTag ?? "-")")
            }
        }
    }

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload a local file (or, with --recursive, a folder) to a URL.")

        @Argument(help: "The local file or folder.") var source: String
        @Argument(help: "The destination URL (with --recursive, a prefix).") var destination: String
        @Flag(name: .shortAndLong, help: "Upload every file below the folder.") var recursive = false
        @Flag(help: "Fail instead of replacing an existing object.") var createOnly = false
        @Option(help: "Upload files larger than this (bytes) in parts.") var multipartThreshold = 64 * 1024 * 1024
        @Option(help: "Part size (bytes) of multipart uploads.") var partSize = 16 * 1024 * 1024
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (objectStore, key) = try store.locate(destination)
            let mode: PutMode = createOnly ? .createOnly : .overwrite
            let transfer = Transfer(store: objectStore, parallelism: store.effectiveParallelism,
                                    multipartThreshold: multipartThreshold, partSize: partSize)
            if recursive {
                let prefix = key.isEmpty || key.hasSuffix("/") ? key : key + "/"
                let count = try await transfer.uploadTree(localFolder: source, prefix: prefix, mode: mode)
                FileHandle.standardError.write(Data("uploaded \(count) files\n".utf8))
            } else {
                var target = key
                if target.isEmpty || target.hasSuffix("/") { target += (source as NSString).lastPathComponent }
                try await transfer.uploadFile(localPath: source, key: target, mode: mode)
            }
        }
    }

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download an object (or, with --recursive, every object under a prefix) to a local path.")

        @Argument(help: "The object's URL (with --recursive, a prefix).") var source: String
        @Argument(help: "The local file or folder.") var destination: String
        @Flag(name: .shortAndLong, help: "Download every object below the prefix.") var recursive = false
        @Option(help: "Objects larger than this (bytes) are fetched as parallel ranged reads of this size.") var partSize = 8 * 1024 * 1024
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (objectStore, key) = try store.locate(source)
            let transfer = Transfer(store: objectStore, parallelism: store.effectiveParallelism, partSize: max(1, partSize))
            if recursive {
                let prefix = key.isEmpty || key.hasSuffix("/") ? key : key + "/"
                let count = try await transfer.downloadTree(prefix: prefix, localFolder: destination)
                FileHandle.standardError.write(Data("downloaded \(count) objects\n".utf8))
            } else {
                var target = destination
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: target, isDirectory: &isFolder), isFolder.boolValue {
                    target = (target as NSString).appendingPathComponent((key as NSString).lastPathComponent)
                }
                try await transfer.downloadFile(key: key, localPath: target)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove an object (or, with --recursive, every object under a prefix).")

        @Argument(help: "The object's URL (with --recursive, a prefix).") var url: String
        @Flag(name: .shortAndLong, help: "Remove every object below the prefix.") var recursive = false
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (objectStore, key) = try store.locate(url)
            if recursive {
                let prefix = key.isEmpty || key.hasSuffix("/") ? key : key + "/"
                let keys = try await objectStore.listAll(prefix: prefix).map(\.key)
                for batch in stride(from: 0, to: keys.count, by: 1000) {
                    try await objectStore.delete(keys: Array(keys[batch..<min(keys.count, batch + 1000)]))
                }
                FileHandle.standardError.write(Data("removed \(keys.count) objects\n".utf8))
            } else {
                // Deleting a missing key succeeds on S3; a user removing a typo wants to know.
                _ = try await objectStore.head(key)
                try await objectStore.delete(key)
            }
        }
    }
}

func isoDate(_ date: Date) -> String {
    date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)) + "Z"
}

func jsonString(_ text: String) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
    return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
}

func metaJSON(_ meta: ObjectMeta) -> String {
    var fields = [#""type":"object""#, #""key":\#(jsonString(meta.key))"#, #""size":\#(meta.size)"#,
                  #""lastModified":\#(jsonString(isoDate(meta.lastModified)))"#]
    if let tag = meta.eTag { fields.append(#""etag":\#(jsonString(tag))"#) }
    return "{" + fields.joined(separator: ",") + "}"
}

extension StoreOptions {
    /// Transfers in flight at once: `--parallelism`, else 16.
    var effectiveParallelism: Int { parallelism ?? 16 }
}
