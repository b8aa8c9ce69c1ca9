import Foundation

/// Text folded for searching, the Unicode way: case, accents and compatibility forms fold
/// away, so that "elise", "ÉLISE" and "Élise" find each other. Stored beside what it indexes and
/// applied to queries alike, so every backend matches the same way.
public enum SearchText {
    public static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .precomposedStringWithCompatibilityMapping
    }

    /// Several fields in one searchable text; a query never matches across two of them.
    public static func key(_ fields: String...) -> String {
        fields.map(fold).joined(separator: "\u{1F}")
    }
}
