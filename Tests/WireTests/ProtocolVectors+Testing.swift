import ProtocolTestVectors
import Testing

extension ProtocolVectors.ValidFrame: CustomTestStringConvertible {
    public var testDescription: String { name }
}

extension ProtocolVectors.ConnectionError: CustomTestStringConvertible {
    public var testDescription: String { name }
}
