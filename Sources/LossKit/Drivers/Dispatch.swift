/// The ``LossScalar`` driver entry points, for callers that know the scalar type only at run
/// time (the C ABI's `dtype` argument). Each scalar type implements them with concrete calls,
/// so the drivers run specialised for `Float` or `Double`; a generic call through an
/// existential type would run unspecialised, lane by lane through witness tables, about 100x
/// slower.
extension Float {
    public static func evaluate(_ loss: any ElementwiseLoss.Type, parameters: [Double],
                                _ problem: ElementwiseProblem<Float>) -> Double {
        loss.evaluate(parameters: parameters, problem)
    }

    public static func evaluate(_ problem: CrossEntropyProblem<Float>) -> Double {
        LossKit.evaluate(problem)
    }

    public static func evaluate(_ loss: any RowwiseLoss.Type, parameters: [Double],
                                _ problem: RowwiseProblem<Float>) -> Double {
        loss.evaluate(parameters: parameters, problem)
    }

    public static func evaluate(_ loss: any EmbeddingLoss.Type, parameters: [Double], swap: Bool,
                                _ problem: EmbeddingProblem<Float>) -> Double {
        loss.evaluate(parameters: parameters, swap: swap, problem)
    }

    public static func evaluate(_ problem: NTXentProblem<Float>) throws(LossKitError) -> Double {
        try LossKit.evaluate(problem)
    }

    public static func evaluate(_ problem: CTCProblem<Float>) throws(LossKitError) -> Double {
        try LossKit.evaluate(problem)
    }

    public static func evaluate(_ loss: any OverlapLoss.Type, parameters: [Double],
                                _ problem: OverlapProblem<Float>) throws(LossKitError) -> Double {
        try loss.evaluate(parameters: parameters, problem)
    }
}

extension Double {
    public static func evaluate(_ loss: any ElementwiseLoss.Type, parameters: [Double],
                                _ problem: ElementwiseProblem<Double>) -> Double {
        loss.evaluate(parameters: parameters, problem)
    }

    public static func evaluate(_ problem: CrossEntropyProblem<Double>) -> Double {
        LossKit.evaluate(problem)
    }

    public static func evaluate(_ loss: any RowwiseLoss.Type, parameters: [Double],
                                _ problem: RowwiseProblem<Double>) -> Double {
        loss.evaluate(parameters: parameters, problem)
    }

    public static func evaluate(_ loss: any EmbeddingLoss.Type, parameters: [Double], swap: Bool,
                                _ problem: EmbeddingProblem<Double>) -> Double {
        loss.evaluate(parameters: parameters, swap: swap, problem)
    }

    public static func evaluate(_ problem: NTXentProblem<Double>) throws(LossKitError) -> Double {
        try LossKit.evaluate(problem)
    }

    public static func evaluate(_ problem: CTCProblem<Double>) throws(LossKitError) -> Double {
        try LossKit.evaluate(problem)
    }

    public static func evaluate(_ loss: any OverlapLoss.Type, parameters: [Double],
                                _ problem: OverlapProblem<Double>) throws(LossKitError) -> Double {
        try loss.evaluate(parameters: parameters, problem)
    }
}
