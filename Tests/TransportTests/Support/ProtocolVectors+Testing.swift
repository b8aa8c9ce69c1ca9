import ProtocolTestVectors
import Testing

extension ProtocolVectors.ConnectionError: CustomTestStringConvertible {
    public var testDescription: String { name }
}

extension ProtocolVectors.CallError: CustomTestStringConvertible {
    public var testDescription: String { name }
}
