import Foundation

/// A configuration type with defaults for every field (options structs,
/// recipe sections). A JSON file lists only what differs from the defaults.
public protocol DefaultConstructible {
    init()
}

/// A configuration type that checks its own values after decoding.
public protocol Validatable {
    /// Throws `ConfigError.invalidValue` naming the offending key.
    func validate() throws
}

/// String-valued enums decoded with an error listing the accepted values.
public protocol StrictEnum: RawRepresentable, CaseIterable, Codable where RawValue == String {
    /// Other spellings accepted when decoding (e.g. Kaldi's "hanning" for "hann").
    static var aliases: [String: Self] { get }
}

extension StrictEnum {
    public static var aliases: [String: Self] { [:] }
    public static var acceptedValues: String { allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") }

    /// Parses a name (or alias), nil when unknown.
    public init?(name: String) {
        if let v = Self(rawValue: name) { self = v; return }
        if let v = Self.aliases[name] { self = v; return }
        return nil
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let v = Self(name: s) else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "expected one of \(Self.acceptedValues), found \"\(s)\"")
        }
        self = v
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// Errors in configuration files (recipes, options, stats); each names the
/// file and the JSON key path.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case syntax(source: String, reason: String)
    case unknownKey(source: String, key: String, expected: [String])
    case wrongType(source: String, key: String, expected: String)
    case invalidValue(source: String, key: String, reason: String)

    public var description: String {
        switch self {
        case .syntax(let s, let r): return "\(s): invalid JSON: \(r)"
        case .unknownKey(let s, let k, let e):
            return "\(s): unknown key '\(k)' (expected one of: \(e.joined(separator: ", ")))"
        case .wrongType(let s, let k, let e): return "\(s): key '\(k)': expected \(e)"
        case .invalidValue(let s, let k, let r): return "\(s): key '\(k)': \(r)"
        }
    }

    /// The same error attributed to another source/prefix (used when a
    /// section is decoded from inside a larger file).
    public func relocated(source: String, prefix: String) -> ConfigError {
        func p(_ k: String) -> String { prefix.isEmpty ? k : (k.isEmpty ? prefix : "\(prefix).\(k)") }
        switch self {
        case .syntax(_, let r): return .syntax(source: source, reason: r)
        case .unknownKey(_, let k, let e): return .unknownKey(source: source, key: p(k), expected: e)
        case .wrongType(_, let k, let e): return .wrongType(source: source, key: p(k), expected: e)
        case .invalidValue(_, let k, let r): return .invalidValue(source: source, key: p(k), reason: r)
        }
    }
}

/// Strict JSON decoding for configuration: keys are snake_case, missing keys
/// take the type's defaults, unknown keys and wrong types are errors naming
/// the key path (`features.frame.frame_length_ms`), then `validate()` runs.
///
/// How: the defaults are encoded to a JSON object, the user's object is laid
/// over it (rejecting keys the defaults do not have), and the merged object is
/// decoded. A field whose default is an empty object is a free-form map and
/// accepts any keys. Types must not use `Optional` fields with nil defaults.
public enum StrictJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }

    /// Decodes `data` (a JSON object) into `T`; `source` names the file.
    public static func decode<T: Codable & DefaultConstructible>(
        _ type: T.Type, from data: Data, source: String
    ) throws -> T {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw ConfigError.syntax(source: source, reason: syntaxReason(error, data: data))
        }
        return try decode(type, fromObject: object, source: source, keyPath: "")
    }

    /// Decodes an already parsed JSON value found at `keyPath` in `source`.
    public static func decode<T: Codable & DefaultConstructible>(
        _ type: T.Type, fromObject object: Any, source: String, keyPath: String
    ) throws -> T {
        let defaults = try JSONSerialization.jsonObject(with: encoder().encode(T()), options: [.fragmentsAllowed])
        let merged = try merge(defaults: defaults, user: object, path: keyPath, source: source)
        let mergedData = try JSONSerialization.data(withJSONObject: merged, options: [.fragmentsAllowed])
        let value: T
        do {
            value = try decoder().decode(T.self, from: mergedData)
        } catch let error as DecodingError {
            // Foundation reports a fractional number where an integer belongs as corrupt
            // data at the top level ("not valid JSON"): find the key by trying each.
            if case .dataCorrupted(let ctx) = error, ctx.codingPath.isEmpty,
               let (key, found) = nonIntegerCulprit(T.self, merged: merged, prefix: keyPath) {
                throw ConfigError.wrongType(source: source, key: key, expected: "an integer, found \(found)")
            }
            throw translate(error, source: source, prefix: keyPath)
        }
        if let v = value as? Validatable {
            do { try v.validate() } catch let e as ConfigError { throw e.relocated(source: source, prefix: keyPath) }
        }
        return value
    }

    /// `defaults` with `user` laid over it, leniently: keys the defaults lack
    /// are kept (a decoder ignores them), missing ones take the default. For
    /// files written by this program (model.json), where a field added later must
    /// not make an older file unreadable.
    public static func overlay(defaults: Any, user: Any) -> Any {
        guard let d = defaults as? [String: Any], let u = user as? [String: Any] else { return user }
        var out = d
        for (k, v) in u { out[k] = d[k].map { overlay(defaults: $0, user: v) } ?? v }
        return out
    }

    /// Encodes `value` with the same conventions (snake_case keys, sorted).
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try encoder().encode(value)
    }

    /// The key of the first number in `merged` that is not an integer (or beyond
    /// ±2⁵³) and alone keeps `T` from decoding when every other such number is
    /// made an integer; nil if none.
    static func nonIntegerCulprit<T: Decodable>(_ type: T.Type, merged: Any, prefix: String) -> (String, String)? {
        var candidates: [([String], Double)] = []
        func walk(_ v: Any, _ path: [String]) {
            if let d = v as? [String: Any] {
                for k in d.keys.sorted() { walk(d[k]!, path + [k]) }
            } else if let n = v as? NSNumber {   // true/false are 1/0: never candidates
                let x = n.doubleValue
                if x.isFinite && (x != x.rounded() || abs(x) > 9_007_199_254_740_992) { candidates.append((path, x)) }
            }
        }
        walk(merged, [])
        func replacing(_ v: Any, _ path: ArraySlice<String>) -> Any {
            guard let key = path.first, var d = v as? [String: Any] else { return 0 }
            d[key] = replacing(d[key]!, path.dropFirst())
            return d
        }
        // Every other candidate made an integer: does this one alone still break decoding?
        for (i, (path, x)) in candidates.enumerated() {
            var object = merged
            for (j, other) in candidates.enumerated() where j != i { object = replacing(object, other.0[...]) }
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed]) else { continue }
            do {
                _ = try decoder().decode(T.self, from: data)
                continue
            } catch let DecodingError.dataCorrupted(ctx) where ctx.codingPath.isEmpty {
                let key = path.reduce(prefix) { join($0, $1) }
                return (key, x == x.rounded() ? String(format: "%.0f", x) : "\(x)")
            } catch {
                continue
            }
        }
        return nil
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func merge(defaults: Any, user: Any, path: String, source: String) throws -> Any {
        guard let d = defaults as? [String: Any] else { return user }
        guard let u = user as? [String: Any] else {
            throw ConfigError.wrongType(source: source, key: path.isEmpty ? "(top level)" : path, expected: "a JSON object")
        }
        if d.isEmpty { return u }  // free-form map
        var out = d
        for (k, v) in u {
            guard let dv = d[k] else {
                throw ConfigError.unknownKey(source: source, key: join(path, k), expected: d.keys.sorted())
            }
            out[k] = try merge(defaults: dv, user: v, path: join(path, k), source: source)
        }
        return out
    }

    static func snake(_ key: String) -> String {
        var out = ""
        for (i, ch) in key.enumerated() {
            if ch.isUppercase {
                if i > 0 { out += "_" }
                out += ch.lowercased()
            } else { out.append(ch) }
        }
        return out
    }

    static func keyPath(_ codingPath: [CodingKey], prefix: String) -> String {
        var p = prefix
        for k in codingPath {
            if let i = k.intValue { p += "[\(i)]" } else { p = join(p, snake(k.stringValue)) }
        }
        return p.isEmpty ? "(top level)" : p
    }

    static func translate(_ error: DecodingError, source: String, prefix: String) -> ConfigError {
        switch error {
        case .typeMismatch(let type, let ctx):
            return .wrongType(source: source, key: keyPath(ctx.codingPath, prefix: prefix), expected: describe(type))
        case .valueNotFound(let type, let ctx):
            return .wrongType(source: source, key: keyPath(ctx.codingPath, prefix: prefix), expected: describe(type) + ", found null")
        case .keyNotFound(let key, let ctx):
            return .wrongType(source: source, key: keyPath(ctx.codingPath + [key], prefix: prefix), expected: "a value (key is required)")
        case .dataCorrupted(let ctx):
            return .invalidValue(source: source, key: keyPath(ctx.codingPath, prefix: prefix), reason: ctx.debugDescription)
        @unknown default:
            return .syntax(source: source, reason: "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: return "true or false"
        case is Int.Type, is UInt64.Type, is Int64.Type, is UInt32.Type: return "an integer"
        case is Float.Type, is Double.Type: return "a number"
        case is String.Type: return "a string"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "a JSON object" }
            return "a value of type \(name)"
        }
    }

    public static func syntaxReason(_ error: Error, data: Data) -> String {
        let ns = error as NSError
        if let d = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return d }
        return "\(error.localizedDescription)"
    }
}
