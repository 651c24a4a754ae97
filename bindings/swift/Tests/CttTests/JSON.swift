import Foundation

/// A JSON value, decoded strictly (a Bool is only `true`/`false`), for the fixture runner.
indirect enum J: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case num(Double)
    case str(String)
    case arr([J])
    case obj([String: J])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .num(n)
        } else if let s = try? c.decode(String.self) {
            self = .str(s)
        } else if let a = try? c.decode([J].self) {
            self = .arr(a)
        } else {
            self = .obj(try c.decode([String: J].self))
        }
    }

    subscript(key: String) -> J? {
        if case .obj(let o) = self { return o[key] }
        return nil
    }

    var string: String? { if case .str(let s) = self { return s }; return nil }
    var number: Double? { if case .num(let n) = self { return n }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var array: [J]? { if case .arr(let a) = self { return a }; return nil }
    var isNull: Bool { self == .null }

    /// Compact JSON text.
    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .num(let n):
            if n == n.rounded(), abs(n) < 9.0e15 { return String(Int64(n)) }
            return String(n)
        case .str(let s): return J.quote(s)
        case .arr(let a): return "[" + a.map { $0.description }.joined(separator: ",") + "]"
        case .obj(let o):
            return "{" + o.keys.sorted().map { J.quote($0) + ":" + o[$0]!.description }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

func opt(_ s: String?) -> J { s.map { .str($0) } ?? .null }
func opt(_ b: Bool?) -> J { b.map { .bool($0) } ?? .null }
func opt(_ n: Int64?) -> J { n.map { .num(Double($0)) } ?? .null }

/// nil when `expected` is a subset of `actual` (tests/fixtures/README.md), else what differs.
func subset(_ expected: J, _ actual: J?, _ path: String) -> String? {
    switch expected {
    case .obj(let eo):
        guard case .obj(let ao)? = actual else { return "\(path): expected an object, got \(String(describing: actual))" }
        for (k, ev) in eo.sorted(by: { $0.key < $1.key }) {
            guard let av = ao[k] else {
                if ev == .null { continue }
                return "\(path).\(k): missing"
            }
            if let p = subset(ev, av, "\(path).\(k)") { return p }
        }
        return nil
    case .arr(let ea):
        guard case .arr(let aa)? = actual else { return "\(path): expected an array, got \(String(describing: actual))" }
        if ea.count != aa.count { return "\(path): length \(aa.count) != \(ea.count)" }
        for (i, e) in ea.enumerated() {
            if let p = subset(e, aa[i], "\(path)[\(i)]") { return p }
        }
        return nil
    case .null:
        return (actual == nil || actual == .null) ? nil : "\(path): expected null, got \(actual!)"
    default:
        return expected == actual ? nil : "\(path): expected \(expected), got \(String(describing: actual))"
    }
}
