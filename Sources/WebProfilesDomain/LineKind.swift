/// Whether a company line is a mobile or a fixed number.
public enum LineKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case mobile
    case fixed
    public var description: String { rawValue }
}
