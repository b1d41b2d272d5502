import Glibc
import LossKit
import XCTest

/// The README's Swift example, verbatim between the markers (a Python test checks that the
/// README shows exactly these lines), with its results checked by hand-derived values:
/// huber(0.5) = ½·0.5² = 0.125, huber(3) = 1·(3 - ½) = 2.5, mean 1.3125; grad = clip(r)/2.
final class ReadmeExampleTests: XCTestCase {
    func testReadmeExample() throws {
        // README example begins
        let result = try evaluate(HuberLoss(delta: 1.0), input: [0.5, 3.0] as [Double], target: [0, 0])
        print(result.loss, result.grad, result.hess)  // 1.3125 [0.25, 0.5] [0.5, 0.0]
        // README example ends
        XCTAssertEqual(result.loss, 1.3125)
        XCTAssertEqual(result.grad, [0.25, 0.5])
        XCTAssertEqual(result.hess, [0.5, 0.0])
    }

    func testCrossEntropyArrayAPI() throws {
        // Two rows, logits (2, 0, 0) and (0, 2, 0): each row's loss is log(e² + 2) - 2.
        let r = try crossEntropy(logits: [2, 0, 0, 0, 2, 0] as [Double], classes: 3, targets: [0, 1])
        let expected = Glibc.log(Glibc.exp(2.0) + 2) - 2
        XCTAssertEqual(r.loss, expected, accuracy: 1e-15)
        let p0 = Glibc.exp(2.0) / (Glibc.exp(2.0) + 2)
        XCTAssertEqual(r.grad[0], (p0 - 1) / 2, accuracy: 1e-15)
        XCTAssertEqual(r.hess[0], p0 * (1 - p0) / 2, accuracy: 1e-15)
    }

    func testArrayAPIRejectsBadParametersAndLengths() {
        XCTAssertThrowsError(try evaluate(HuberLoss(delta: -1), input: [1.0], target: [0.0])) { error in
            XCTAssertEqual((error as? LossKitError)?.status, .invalidArgument)
        }
        XCTAssertThrowsError(try evaluate(MSELoss(), input: [1.0, 2.0], target: [0.0])) { error in
            XCTAssertEqual((error as? LossKitError)?.status, .shapeMismatch)
        }
        XCTAssertThrowsError(try crossEntropy(logits: [1.0, 2.0], classes: 2, targets: [5])) { error in
            XCTAssertEqual((error as? LossKitError)?.status, .indexOutOfRange)
        }
    }
}
