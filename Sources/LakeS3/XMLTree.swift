/// A small XML reader for S3's responses (elements, text, the five named entities and numeric
/// character references; declarations, comments and processing instructions are skipped).
/// Attributes are not kept: S3 responses carry their data in elements.
struct XMLElement: Sendable {
    var name: String
    var children: [XMLElement] = []
    var text: String = ""

    /// The first child called `name`.
    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    /// Every child called `name`.
    func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }
    /// The text of the first child called `name`.
    func value(_ name: String) -> String? { child(name)?.text }
}

struct XMLParseError: Error, CustomStringConvertible {
    var description: String
}

enum XMLTree {
    /// Parses a document and returns its root element.
    static func parse(_ bytes: [UInt8]) throws -> XMLElement {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    /// Escapes text for an element's content.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            default:
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" {
                    out += "&#\(scalar.value);"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        /// Nesting is bounded so a hostile document cannot exhaust the stack.
        static let maximumDepth = 64

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func document() throws -> XMLElement {
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw XMLParseError(description: "no root element") }
                if starts(with: "<?") { try skip(past: "?>") }
                else if starts(with: "<!--") { try skip(past: "-->") }
                else if starts(with: "<!") { try skip(past: ">") }
                else if bytes[index] == UInt8(ascii: "<") { return try element(depth: 0) }
                else { throw XMLParseError(description: "text before the root element") }
            }
        }

        mutating func element(depth: Int) throws -> XMLElement {
            guard depth < Self.maximumDepth else { throw XMLParseError(description: "elements nested too deeply") }
            index += 1  // <
            let nameStart = index
            while index < bytes.count, !isNameEnd(bytes[index]) { index += 1 }
            var element = XMLElement(name: String(decoding: bytes[nameStart..<index], as: UTF8.self))
            guard !element.name.isEmpty else { throw XMLParseError(description: "empty element name") }
            // Skip attributes, honouring quotes.
            var quote: UInt8?
            while index < bytes.count {
                let byte = bytes[index]
                if let q = quote { if byte == q { quote = nil } }
                else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { quote = byte }
                else if byte == UInt8(ascii: ">") { break }
                index += 1
            }
            guard index < bytes.count else { throw XMLParseError(description: "unterminated tag <\(element.name)") }
            if bytes[index - 1] == UInt8(ascii: "/") { index += 1; return element }
            index += 1
            var text: [UInt8] = []
            while true {
                guard index < bytes.count else { throw XMLParseError(description: "unterminated element <\(element.name)>") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "<") {
                    if starts(with: "</") {
                        index += 2
                        let closeStart = index
                        while index < bytes.count, bytes[index] != UInt8(ascii: ">") { index += 1 }
                        let closeName = String(decoding: bytes[closeStart..<min(index, bytes.count)], as: UTF8.self)
                            .trimmingSpaces()
                        guard closeName == element.name, index < bytes.count else {
                            throw XMLParseError(description: "</\(closeName)> closes <\(element.name)>")
                        }
                        index += 1
                        element.text = String(decoding: text, as: UTF8.self)
                        return element
                    } else if starts(with: "<!--") {
                        try skip(past: "-->")
                    } else if starts(with: "<![CDATA[") {
                        index += 9
                        let start = index
                        try skip(past: "]]>")
                        text.append(contentsOf: bytes[start..<(index - 3)])
                    } else if starts(with: "<?") {
                        try skip(past: "?>")
                    } else {
                        element.children.append(try self.element(depth: depth + 1))
                    }
                } else if byte == UInt8(ascii: "&") {
                    text.append(contentsOf: try entity())
                } else {
                    text.append(byte)
                    index += 1
                }
            }
        }

        mutating func entity() throws -> [UInt8] {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ";"), index - start < 12 { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ";") else {
                throw XMLParseError(description: "bad entity reference")
            }
            let name = String(decoding: bytes[(start + 1)..<index], as: UTF8.self)
            index += 1
            switch name {
            case "amp": return [UInt8(ascii: "&")]
            case "lt": return [UInt8(ascii: "<")]
            case "gt": return [UInt8(ascii: ">")]
            case "quot": return [UInt8(ascii: "\"")]
            case "apos": return [UInt8(ascii: "'")]
            default:
                var value: UInt32?
                if name.hasPrefix("#x") || name.hasPrefix("#X") { value = UInt32(name.dropFirst(2), radix: 16) }
                else if name.hasPrefix("#") { value = UInt32(name.dropFirst(), radix: 10) }
                guard let value, let scalar = Unicode.Scalar(value) else {
                    throw XMLParseError(description: "unknown entity &\(name);")
                }
                return Array(String(Character(scalar)).utf8)
            }
        }

        func isNameEnd(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
                || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
        }

        func starts(with literal: String) -> Bool {
            let utf8 = Array(literal.utf8)
            guard index + utf8.count <= bytes.count else { return false }
            return bytes[index..<(index + utf8.count)].elementsEqual(utf8)
        }

        mutating func skip(past literal: String) throws {
            let utf8 = Array(literal.utf8)
            while index + utf8.count <= bytes.count {
                if bytes[index..<(index + utf8.count)].elementsEqual(utf8) { index += utf8.count; return }
                index += 1
            }
            throw XMLParseError(description: "unterminated markup (expected \(literal))")
        }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[index]) { index += 1 }
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
