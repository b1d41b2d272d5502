// One loss of each kind through LossKit's typed Swift API: each call validates its arguments
// as the C ABI does and returns the loss with its gradient (and Hessian diagonal where the
// driver computes one). Run with `swift run` in this folder.
import Foundation
import LossKit

func show(_ name: String, _ loss: Double, _ grad: [Double]) {
    let g = grad.prefix(4).map { String(format: "%.6f", $0) }.joined(separator: " ")
    print(name, String(format: "%.6f", loss), "grad", g)
}

do {
    let huber = try evaluate(HuberLoss(delta: 1.0), input: [0.5, 3.0, -2.0] as [Double], target: [0, 0, 0])
    show("huber_loss", huber.loss, huber.grad)

    let nll = try evaluate(NLLLoss.self, input: [-0.5, -1.5, -2.0, -0.1] as [Double], classes: 2,
                           target: .classIndices([0, 1]))
    show("nll_loss", nll.loss, nll.grad)

    let triplet = try evaluate(TripletMarginLoss.self, inputs: [[0, 0], [1, 0], [0, 1]] as [[Double]], dim: 2)
    show("triplet_margin_loss", triplet.loss, triplet.grads[0])

    let ntxent = try ntXent(embeddings: [1, 0, 2, 0, 0, 3] as [Double], dim: 2, labels: [0, 0, 1], temperature: 1)
    show("nt_xent", ntxent.loss, ntxent.grad)

    let ctc = try ctcLoss(logProbs: [Double](repeating: -0.6931471805599453, count: 4), frames: 2, classes: 2,
                          targets: .concatenated([1]), inputLengths: [2], targetLengths: [1])
    show("ctc_loss", ctc.loss, ctc.grad)

    let dice = try evaluate(DiceLoss.self, parameters: [0, 0, 0], input: [0.9, 0.2, 0.1, 0.8] as [Double],
                            classes: 1, spatial: 4, target: .classMap([1, 0, 0, 1]))
    show("dice_loss", dice.loss, dice.grad)

    _ = try evaluate(HuberLoss(delta: -1.0), input: [1.0], target: [0.0])
} catch {
    print("refused: \(error)")
}
