/// The catalogue: every loss LossKit computes, in a fixed order. It is the single source of
/// truth for names, parameters, defaults and ranges; the C ABI publishes it as JSON
/// (`lk_catalogue_json`) and the Python package and the tests read it from there.
///
/// A loss's id is its position here. Ids are part of the C ABI, so entries are only appended.
public enum Catalogue {
    /// The elementwise losses, by id (their ids start at 0).
    public static let elementwise: [any ElementwiseLoss.Type] = [
        MSELoss.self,
        L1Loss.self,
        HuberLoss.self,
        BinaryCrossEntropyWithLogits.self,
    ]

    /// Every entry: the elementwise losses, then the row-wise ones.
    public static var specs: [LossSpec] {
        elementwise.map { $0.spec } + [SoftmaxCrossEntropy.spec] + structuredSpecs
    }

    /// The embedding losses (pairs, triplets, values with labels), in catalogue order.
    public static let embedding: [any EmbeddingLoss.Type] = [
        CosineEmbeddingLoss.self,
        MarginRankingLoss.self,
        HingeEmbeddingLoss.self,
        TripletMarginLoss.self,
        ContrastiveLoss.self,
    ]

    /// The structured losses (embeddings, the NT-Xent similarity matrix, CTC sequences). They
    /// come after every other list, so other lists can grow without merge conflicts here.
    public static var structuredSpecs: [LossSpec] {
        embedding.map { $0.spec } + [NTXent.spec, CTC.spec]
    }

    /// The embedding loss with this catalogue id.
    public static func embeddingLoss(id: Int) throws(LossKitError) -> any EmbeddingLoss.Type {
        let all = specs
        guard id >= 0 && id < all.count, let found = embedding.first(where: { $0.spec.name == all[id].name }) else {
            throw LossKitError(.unknownLoss, "no embedding loss has id \(id)")
        }
        return found
    }

    /// The elementwise loss with this id.
    public static func elementwiseLoss(id: Int) throws(LossKitError) -> any ElementwiseLoss.Type {
        guard id >= 0 && id < elementwise.count else {
            throw LossKitError(.unknownLoss, "no elementwise loss has id \(id) (there are \(elementwise.count))")
        }
        return elementwise[id]
    }

    /// The catalogue as a JSON document:
    /// `{"version": ..., "losses": [{"id", "name", "kind", "parameters": [{"name", "default",
    /// "lower", "lower_inclusive", "upper", "upper_inclusive"}], "column_parameter",
    /// "input_domain", "target_domain", "formula", "derivatives"}]}`. Infinite bounds are `null`.
    public static func json(version: String) -> String {
        let entries = specs.enumerated().map { id, spec in
            let params = spec.parameters.map { p in
                "{\"name\": \(quoted(p.name)), \"default\": \(number(p.defaultValue)), "
                    + "\"lower\": \(number(p.lower)), \"lower_inclusive\": \(p.lowerInclusive), "
                    + "\"upper\": \(number(p.upper)), \"upper_inclusive\": \(p.upperInclusive)}"
            }
            return "{\"id\": \(id), \"name\": \(quoted(spec.name)), \"kind\": \(quoted(spec.kind.rawValue)), "
                + "\"parameters\": [\(params.joined(separator: ", "))], "
                + "\"column_parameter\": \(spec.columnParameter.map(quoted) ?? "null"), "
                + "\"input_domain\": \(quoted(spec.inputDomain.rawValue)), "
                + "\"target_domain\": \(quoted(spec.targetDomain.rawValue)), "
                + "\"formula\": \(quoted(spec.formula)), \"derivatives\": \(quoted(spec.derivatives))}"
        }
        return "{\"version\": \(quoted(version)), \"losses\": [\n  "
            + entries.joined(separator: ",\n  ") + "\n]}\n"
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
