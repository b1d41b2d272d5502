/// One catalogue entry: an elementwise loss (run by the shared elementwise driver and
/// `lk_elementwise`), a row-wise loss (`lk_rowwise`), an embedding loss (`lk_embedding`), an
/// overlap (segmentation) loss (`lk_overlap`) or a
/// loss with a driver and C entry point of its own (`cross_entropy`, `ntxent_loss`, `ctc_loss`),
/// known here by its spec.
public enum CatalogueEntry: Sendable {
    case elementwise(any ElementwiseLoss.Type)
    /// A loss run by the general row-wise driver and `lk_rowwise`.
    case rowwise(any RowwiseLoss.Type)
    /// A loss over tuples of embedding rows, run by the embedding driver and `lk_embedding`.
    case embedding(any EmbeddingLoss.Type)
    case structured(LossSpec)
    /// A segmentation loss over per-class overlap sums, run by the overlap driver and `lk_overlap`.
    case overlap(any OverlapLoss.Type)

    public var spec: LossSpec {
        switch self {
        case .elementwise(let type): return type.spec
        case .rowwise(let type): return type.spec
        case .embedding(let type): return type.spec
        case .structured(let spec): return spec
        case .overlap(let type): return type.spec
        }
    }
}

/// The catalogue: every loss LossKit computes, in a fixed order. It is the single source of
/// truth for names, parameters, defaults and ranges; the C ABI publishes it as JSON
/// (`lk_catalogue_json`) and the Python package and the tests read it from there.
///
/// A loss's id is its position in ``entries``. Ids are part of the C ABI: entries of every kind
/// share one list and are only ever appended, so an id never changes.
public enum Catalogue {
    public static let entries: [CatalogueEntry] = [
        .elementwise(MSELoss.self),
        .elementwise(L1Loss.self),
        .elementwise(HuberLoss.self),
        .elementwise(BinaryCrossEntropyWithLogits.self),
        .structured(SoftmaxCrossEntropy.spec),
        // Regression and count/GLM losses.
        .elementwise(SmoothL1Loss.self),
        .elementwise(LogCoshLoss.self),
        .elementwise(PseudoHuberLoss.self),
        .elementwise(FairLoss.self),
        .elementwise(QuantileLoss.self),
        .elementwise(ExpectileLoss.self),
        .elementwise(EpsilonInsensitiveLoss.self),
        .elementwise(MAPELoss.self),
        .elementwise(SquaredLogErrorLoss.self),
        .elementwise(PoissonNLLLoss.self),
        .elementwise(GammaLoss.self),
        .elementwise(TweedieLoss.self),
        // Binary classification.
        .elementwise(BinaryCrossEntropy.self),
        .elementwise(SigmoidFocalLoss.self),
        .elementwise(HingeLoss.self),
        .elementwise(SquaredHingeLoss.self),
        .elementwise(SoftMarginLoss.self),
        .elementwise(ModifiedHuberLoss.self),
        .elementwise(ExponentialLoss.self),
        // Learned variance.
        .elementwise(GaussianNLLLoss.self),
        // Robust regression with a learnable shape and scale.
        .elementwise(AdaptiveRobustLoss.self),
        // Row-wise: multiclass, multilabel, divergences.
        .rowwise(NLLLoss.self),
        .rowwise(SoftmaxFocalLoss.self),
        .rowwise(Poly1CrossEntropy.self),
        .rowwise(GeneralizedCrossEntropy.self),
        .rowwise(SymmetricCrossEntropy.self),
        .rowwise(MultiMarginLoss.self),
        .rowwise(MulticlassHingeLoss.self),
        .rowwise(MultilabelSoftMarginLoss.self),
        .rowwise(MultilabelMarginLoss.self),
        .rowwise(KLDivLoss.self),
        .rowwise(JensenShannonDivergence.self),
        .rowwise(SoftmaxEntropy.self),
        // Embeddings, metric learning and ranking; sequences.
        .embedding(CosineEmbeddingLoss.self),
        .embedding(MarginRankingLoss.self),
        .embedding(HingeEmbeddingLoss.self),
        .embedding(TripletMarginLoss.self),
        .embedding(ContrastiveLoss.self),
        .structured(NTXent.spec),
        .structured(CTC.spec),
        // Segmentation: overlap losses.
        .overlap(DiceLoss.self),
        .overlap(TverskyLoss.self),
        .overlap(FocalTverskyLoss.self),
        .overlap(GeneralizedDiceLoss.self),
        .overlap(JaccardLoss.self),
        .overlap(LovaszSoftmaxLoss.self),
    ]

    /// Every entry's spec, by id.
    public static var specs: [LossSpec] { entries.map(\.spec) }

    /// The elementwise losses, in catalogue order.
    public static var elementwise: [any ElementwiseLoss.Type] {
        entries.compactMap { entry in
            if case .elementwise(let type) = entry { return type }
            return nil
        }
    }

    /// The row-wise loss (``RowwiseLoss``) with this id.
    public static func rowwiseLoss(id: Int) throws(LossKitError) -> any RowwiseLoss.Type {
        guard id >= 0 && id < entries.count else {
            throw LossKitError(.unknownLoss, "no loss has id \(id) (ids are 0..<\(entries.count))")
        }
        guard case .rowwise(let type) = entries[id] else {
            throw LossKitError(.unknownLoss, "loss id \(id) is \(entries[id].spec.name), which is not a row-wise loss")
        }
        return type
    }

    /// The embedding loss (``EmbeddingLoss``) with this id.
    public static func embeddingLoss(id: Int) throws(LossKitError) -> any EmbeddingLoss.Type {
        guard id >= 0 && id < entries.count else {
            throw LossKitError(.unknownLoss, "no loss has id \(id) (ids are 0..<\(entries.count))")
        }
        guard case .embedding(let type) = entries[id] else {
            throw LossKitError(.unknownLoss, "loss id \(id) is \(entries[id].spec.name), which is not an embedding loss")
        }
        return type
    }

    /// The overlap (segmentation) loss (``OverlapLoss``) with this id.
    public static func overlapLoss(id: Int) throws(LossKitError) -> any OverlapLoss.Type {
        guard id >= 0 && id < entries.count else {
            throw LossKitError(.unknownLoss, "no loss has id \(id) (ids are 0..<\(entries.count))")
        }
        guard case .overlap(let type) = entries[id] else {
            throw LossKitError(.unknownLoss, "loss id \(id) is \(entries[id].spec.name), which is not an overlap loss")
        }
        return type
    }

    /// The elementwise loss with this id.
    public static func elementwiseLoss(id: Int) throws(LossKitError) -> any ElementwiseLoss.Type {
        guard id >= 0 && id < entries.count else {
            throw LossKitError(.unknownLoss, "no loss has id \(id) (ids are 0..<\(entries.count))")
        }
        guard case .elementwise(let type) = entries[id] else {
            throw LossKitError(.unknownLoss, "loss id \(id) is \(entries[id].spec.name), which is not elementwise")
        }
        return type
    }

    /// The catalogue as a JSON document:
    /// `{"version": ..., "families": [{"name", "title"}], "losses": [{"id", "name", "family", "kind", "parameters": [{"name", "default",
    /// "lower", "lower_inclusive", "upper", "upper_inclusive", "flag"}], "column_parameter",
    /// "input_domain", "target_domain", "parameter_grad", "row_target", "class_weight", "formula",
    /// "derivatives"}]}`. Infinite bounds are `null`; a `flag` parameter is a boolean option
    /// passed as 0 or 1. `parameter_grad` says whether the loss differentiates with respect to
    /// its parameters and column operand (``ParameterDifferentiableLoss``).
    public static func json(version: String) -> String {
        let rendered = Self.entries.enumerated().map { id, entry in
            let spec = entry.spec
            var parameterGrad = false
            if case .elementwise(let type) = entry { parameterGrad = type is any ParameterDifferentiableLoss.Type }
            let params = spec.parameters.map { p in
                "{\"name\": \(quoted(p.name)), \"default\": \(number(p.defaultValue)), "
                    + "\"lower\": \(number(p.lower)), \"lower_inclusive\": \(p.lowerInclusive), "
                    + "\"upper\": \(number(p.upper)), \"upper_inclusive\": \(p.upperInclusive), "
                    + "\"flag\": \(p.isFlag)}"
            }
            return "{\"id\": \(id), \"name\": \(quoted(spec.name)), \"family\": \(quoted(spec.family.rawValue)), "
                + "\"kind\": \(quoted(spec.kind.rawValue)), "
                + "\"parameters\": [\(params.joined(separator: ", "))], "
                + "\"column_parameter\": \(spec.columnParameter.map(quoted) ?? "null"), "
                + "\"input_domain\": \(quoted(spec.inputDomain.rawValue)), "
                + "\"target_domain\": \(quoted(spec.targetDomain.rawValue)), "
                + "\"parameter_grad\": \(parameterGrad), "
                + "\"row_target\": \(spec.rowTarget.map { quoted($0.rawValue) } ?? "null"), "
                + "\"class_weight\": \(spec.classWeight.map(quoted) ?? "null"), "
                + "\"formula\": \(quoted(spec.formula)), \"derivatives\": \(quoted(spec.derivatives))}"
        }
        let families = Family.allCases.map { "{\"name\": \(quoted($0.rawValue)), \"title\": \(quoted($0.title))}" }
        return "{\"version\": \(quoted(version)), \"families\": [\(families.joined(separator: ", "))], \"losses\": [\n  "
            + rendered.joined(separator: ",\n  ") + "\n]}\n"
    }

    private static func number(_ v: Double) -> String { v.isFinite ? format(v) : "null" }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}
