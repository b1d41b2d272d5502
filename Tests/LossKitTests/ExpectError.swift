import LossKit
import Testing

/// Expects `body` to throw a ``LossKitError`` with `status` whose message mentions `mentioning`
/// (the argument it names), so both the code and the text a user reads are checked.
func expectError(
    _ status: LossKitStatus, mentioning: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(status), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as LossKitError {
        #expect(error.status == status, "message: \(error.message)", sourceLocation: sourceLocation)
        #expect(error.message.contains(mentioning),
                "'\(error.message)' does not mention '\(mentioning)'", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a LossKitError, got \(error)", sourceLocation: sourceLocation)
    }
}
