import LakeColumnar

/// One leaf column of a Parquet schema, with what the reader needs to decode it.
public struct ParquetColumnDescriptor: Sendable, Hashable {
    /// The position among the leaves (the index of its chunk in every row group).
    public var leafIndex: Int
    /// The path from the root, e.g. `["a", "list", "element"]`; flat columns have one entry.
    public var path: [String]
    /// The schema element of the leaf.
    public var element: SchemaElement
    public var physicalType: PhysicalType
    /// FIXED_LEN_BYTE_ARRAY width (0 for other types).
    public var typeLength: Int
    public var maxDefinitionLevel: Int
    public var maxRepetitionLevel: Int
    /// The lakectl type values read as; `nil` when ``unsupportedReason`` says why not.
    public var dataType: DataType?
    /// Why lakectl cannot read this column (nested, an unknown type…), or `nil`.
    public var unsupportedReason: String?

    /// The dotted path, the column's name in messages and in `--columns`.
    public var name: String { path.joined(separator: ".") }

    /// Whether the column may hold nulls.
    public var nullable: Bool { maxDefinitionLevel > 0 }

    /// The field a reader produces for this column.
    public var field: Field? { dataType.map { Field(name, $0, nullable: nullable) } }
}

/// The leaves of a depth-first Parquet schema.
enum ParquetSchemaWalker {
    /// The most schema nesting accepted (deeper is treated as corrupt).
    static let maxDepth = 64

    static func leaves(of schema: [SchemaElement]) throws -> [ParquetColumnDescriptor] {
        guard let root = schema.first else { throw ParquetError.corruptMetadata("the schema is empty") }
        var leaves: [ParquetColumnDescriptor] = []
        var index = 1
        let rootChildren = Int(root.numChildren ?? 0)
        guard rootChildren >= 0, rootChildren <= schema.count - 1 else {
            throw ParquetError.corruptMetadata("the schema root claims \(rootChildren) children but the schema has \(schema.count - 1) more elements")
        }
        for _ in 0..<rootChildren {
            try walk(schema, &index, path: [], def: 0, rep: 0, depth: 1, leaves: &leaves)
        }
        guard index == schema.count else {
            throw ParquetError.corruptMetadata("the schema has \(schema.count) elements but its tree covers \(index)")
        }
        return leaves
    }

    private static func walk(_ schema: [SchemaElement], _ index: inout Int, path: [String], def: Int, rep: Int,
                             depth: Int, leaves: inout [ParquetColumnDescriptor]) throws {
        guard index < schema.count else {
            throw ParquetError.corruptMetadata("the schema tree needs more elements than the \(schema.count) present")
        }
        guard depth <= maxDepth else { throw ParquetError.corruptMetadata("the schema nests deeper than \(maxDepth) levels") }
        let element = schema[index]
        index += 1
        let path = path + [element.name]
        var def = def, rep = rep
        switch element.repetitionType {
        case .optional?: def += 1
        case .repeated?: def += 1; rep += 1
        default: break
        }
        let children = Int(element.numChildren ?? 0)
        if element.type == nil || children > 0 {
            guard children >= 0, children <= schema.count - index else {
                throw ParquetError.corruptMetadata("schema element \(path.joined(separator: ".")) claims \(children) children but only \(schema.count - index) elements follow")
            }
            for _ in 0..<children {
                try walk(schema, &index, path: path, def: def, rep: rep, depth: depth + 1, leaves: &leaves)
            }
            return
        }
        guard let physical = element.type else { return }
        var descriptor = ParquetColumnDescriptor(
            leafIndex: leaves.count, path: path, element: element, physicalType: physical,
            typeLength: Int(element.typeLength ?? 0), maxDefinitionLevel: def, maxRepetitionLevel: rep,
            dataType: nil, unsupportedReason: nil)
        if rep > 0 || path.count > 1 {
            descriptor.unsupportedReason = "column \(descriptor.name) is nested (a list, map or struct), which lakectl does not read"
        } else if physical == .fixedLenByteArray, descriptor.typeLength <= 0 {
            descriptor.unsupportedReason = "column \(descriptor.name) is FIXED_LEN_BYTE_ARRAY without a positive type_length"
        } else if let type = SchemaMapping.dataType(of: element) {
            descriptor.dataType = type
            if case .decimal = type {
                if physical == .fixedLenByteArray, descriptor.typeLength > 16 {
                    descriptor.dataType = nil
                    descriptor.unsupportedReason = "column \(descriptor.name) is a decimal in \(descriptor.typeLength) bytes; at most 16 fit 38 digits"
                }
            }
            if case .float32 = type, physical == .fixedLenByteArray, descriptor.typeLength != 2 {
                descriptor.dataType = nil
                descriptor.unsupportedReason = "column \(descriptor.name) is FLOAT16 but \(descriptor.typeLength) bytes wide"
            }
        } else {
            descriptor.unsupportedReason = "column \(descriptor.name) has a type lakectl does not read (\(physical), \(describe(element)))"
        }
        leaves.append(descriptor)
    }

    static func describe(_ e: SchemaElement) -> String {
        if let logical = e.logicalType { return "logical type \(logical)" }
        if let converted = e.convertedType { return "converted type \(converted)" }
        return "no annotation"
    }
}
