/// The task a loss serves, as optax's and Keras's documentation sort losses. A family is *what* a
/// loss is for; the driver that runs it (elementwise, row, tuple, overlap, sequence) is *how*.
///
/// The same name sorts everything about a loss: its catalogue entry (`family`), its formula's
/// folder (`Sources/LossKit/Formulas/<Folder>/`), its Python module (`losskit.<name>`), its tests
/// (`python/tests/<name>/`) and its page of the docs (`docs/losses/<name>.md`). Families are
/// listed in the order the docs present them.
public enum Family: String, Sendable, CaseIterable {
    case regression
    case distributions
    case binary
    case multiclass
    case multilabel
    case divergences
    case segmentation
    case metricLearning = "metric_learning"
    case ranking
    case sequences

    /// The heading the docs and `python -m losskit losses` show for the family.
    public var title: String {
        switch self {
        case .regression: return "Regression"
        case .distributions: return "Counts and distributions"
        case .binary: return "Binary classification"
        case .multiclass: return "Multiclass classification"
        case .multilabel: return "Multi-label classification"
        case .divergences: return "Divergences and entropy"
        case .segmentation: return "Segmentation"
        case .metricLearning: return "Metric learning and embeddings"
        case .ranking: return "Ranking"
        case .sequences: return "Sequences"
        }
    }
}
