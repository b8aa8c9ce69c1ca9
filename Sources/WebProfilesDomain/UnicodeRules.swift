/// The Unicode rules names follow, so that two people cannot look alike and no text can reorder
/// or hide what surrounds it (Protocol/PROTOCOL.md, "Text").
public enum UnicodeRules {
    /// Writing systems, as coarse as telling look-alikes apart needs. CJK scripts that are written
    /// together (Han with Kana, Han with Hangul) share one value.
    public enum Script: Hashable, Sendable {
        case latin, greek, cyrillic, armenian, georgian, hebrew, arabic, indic, thai, japanese, korean, chinese, other
    }

    /// Whether a scalar is invisible formatting: a bidirectional embedding, override, isolate or
    /// mark (the "Trojan Source" characters), a zero-width space or joiner, a byte order mark, a
    /// line or paragraph separator, or a control character.
    public static func isHiddenOrControl(_ scalar: Unicode.Scalar, allowJoiners: Bool = false) -> Bool {
        if allowJoiners && (scalar.value == 0x200C || scalar.value == 0x200D) { return false }
        switch scalar.properties.generalCategory {
        case .format, .control, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned: return true
        default: return false
        }
    }

    /// The script of a letter, nil for anything that is not a letter or a combining mark.
    public static func script(of scalar: Unicode.Scalar) -> Script? {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: break
        default: return nil
        }
        switch scalar.value {
        case 0x0041...0x024F, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF, 0xAB30...0xAB6F: return .latin
        case 0x0370...0x03FF, 0x1F00...0x1FFF: return .greek
        case 0x0400...0x052F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: return .cyrillic
        case 0x0530...0x058F: return .armenian
        case 0x10A0...0x10FF, 0x1C90...0x1CBF, 0x2D00...0x2D2F: return .georgian
        case 0x0590...0x05FF: return .hebrew
        case 0x0600...0x06FF, 0x0750...0x077F, 0x08A0...0x08FF: return .arabic
        case 0x0900...0x0DFF: return .indic
        case 0x0E00...0x0E7F: return .thai
        case 0x3040...0x30FF, 0x31F0...0x31FF: return .japanese
        case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: return .korean
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0x20000...0x3134F: return .chinese
        default: return .other
        }
    }

    /// Whether the letters of `text` come from one script, allowing the combinations people
    /// really write (Unicode TS #39, "highly restrictive"): Latin with Han and Kana, Latin with
    /// Han and Hangul, Latin with Han. Latin mixed with Greek or Cyrillic is the look-alike case
    /// this refuses.
    public static func isSingleScript(_ text: some StringProtocol) -> Bool {
        var scripts = Set<Script>()
        for scalar in text.unicodeScalars {
            if let script = script(of: scalar) { scripts.insert(script) }
        }
        if scripts.count <= 1 { return true }
        let cjk: Set<Script> = [.latin, .chinese, .japanese]
        let korean: Set<Script> = [.latin, .chinese, .korean]
        return scripts.isSubset(of: cjk) || scripts.isSubset(of: korean)
    }
}
