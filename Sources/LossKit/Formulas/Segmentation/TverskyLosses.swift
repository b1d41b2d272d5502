/// Dice, Tversky, focal Tversky, generalised Dice and Jaccard: each a ``TverskyIndexLoss``
/// with its own α, β, γ (see that type for the formula and the conventions at 0/0).

/// Soft Dice loss (optax `dice_loss` with α = β = 1/2): 1 - (TP + s) / ((ΣP + ΣT)/2 + s).
public struct DiceLoss: TverskyFamilyLoss {
    public static let spec = LossSpec(
        name: "dice_loss", family: .segmentation, kind: .overlap, parameters: overlapOptions, targetDomain: .unitInterval,
        classWeight: "class_weights",
        formula: "1 - (TP + smooth) / (TP + (FP + FN)/2 + smooth) per sample and class, TP = sum p t, "
            + "FP = sum p (1 - t), FN = sum (1 - p) t over the spatial axes",
        derivatives: overlapDerivatives)
    public let core: TverskyIndexLoss
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        core = TverskyIndexLoss(alpha: 0.5, beta: 0.5, gamma: 1, smooth: parameters[0])
        applySoftmax = parameters[1] != 0
        ignoreBackground = parameters[2] != 0
    }
}

/// Tversky loss (optax `dice_loss(alpha, beta)`): 1 - (TP + s) / (TP + α FP + β FN + s).
public struct TverskyLoss: TverskyFamilyLoss {
    public static let spec = LossSpec(
        name: "tversky_loss", family: .segmentation, kind: .overlap,
        parameters: [ParameterSpec("alpha", default: 0.5, lower: 0, lowerInclusive: true),
                     ParameterSpec("beta", default: 0.5, lower: 0, lowerInclusive: true)] + overlapOptions,
        targetDomain: .unitInterval, classWeight: "class_weights",
        formula: "1 - (TP + smooth) / (TP + alpha FP + beta FN + smooth) per sample and class "
            + "(alpha weighs false positives, beta false negatives)",
        derivatives: overlapDerivatives)
    public let core: TverskyIndexLoss
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        core = TverskyIndexLoss(alpha: parameters[0], beta: parameters[1], gamma: 1, smooth: parameters[2])
        applySoftmax = parameters[3] != 0
        ignoreBackground = parameters[4] != 0
    }
}

/// Focal Tversky loss (Abraham and Khan 2019): (1 - TI)^γ with TI the Tversky index.
public struct FocalTverskyLoss: TverskyFamilyLoss {
    public static let spec = LossSpec(
        name: "focal_tversky_loss", family: .segmentation, kind: .overlap,
        parameters: [ParameterSpec("alpha", default: 0.5, lower: 0, lowerInclusive: true),
                     ParameterSpec("beta", default: 0.5, lower: 0, lowerInclusive: true),
                     ParameterSpec("gamma", default: 0.75, lower: 0)] + overlapOptions,
        targetDomain: .unitInterval, classWeight: "class_weights",
        formula: "(1 - TI)^gamma, TI = (TP + smooth) / (TP + alpha FP + beta FN + smooth) per sample and class",
        derivatives: overlapDerivatives + "; 0 at TI = 1")
    public let core: TverskyIndexLoss
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        core = TverskyIndexLoss(alpha: parameters[0], beta: parameters[1], gamma: parameters[2], smooth: parameters[3])
        applySoftmax = parameters[4] != 0
        ignoreBackground = parameters[5] != 0
    }
}

/// Generalised Dice loss as optax's `multiclass_generalized_dice_loss`: the Dice loss with
/// class weights w_c = 1 / ((Σ_n Σ_i t_nic)² + 1e-7) over the batch, normalised to sum to C.
public struct GeneralizedDiceLoss: TverskyFamilyLoss {
    public static let spec = LossSpec(
        name: "generalized_dice_loss", family: .segmentation, kind: .overlap, parameters: overlapOptions, targetDomain: .unitInterval,
        formula: "w_c (1 - (TP + smooth) / (TP + (FP + FN)/2 + smooth)), w_c = 1/((sum of t over the batch)^2 "
            + "+ 1e-7) normalised to sum to C",
        derivatives: overlapDerivatives + "; the weights depend on the targets only")
    public static var targetFrequencyWeights: Bool { true }
    public let core: TverskyIndexLoss
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        core = TverskyIndexLoss(alpha: 0.5, beta: 0.5, gamma: 1, smooth: parameters[0])
        applySoftmax = parameters[1] != 0
        ignoreBackground = parameters[2] != 0
    }
}

/// Soft Jaccard (IoU) loss: 1 - (TP + s) / (TP + FP + FN + s), the Tversky loss with α = β = 1.
public struct JaccardLoss: TverskyFamilyLoss {
    public static let spec = LossSpec(
        name: "jaccard_loss", family: .segmentation, kind: .overlap, parameters: overlapOptions, targetDomain: .unitInterval,
        classWeight: "class_weights",
        formula: "1 - (TP + smooth) / (TP + FP + FN + smooth) per sample and class (soft IoU)",
        derivatives: overlapDerivatives)
    public let core: TverskyIndexLoss
    public let applySoftmax: Bool, ignoreBackground: Bool
    public init(parameters: [Double]) {
        core = TverskyIndexLoss(alpha: 1, beta: 1, gamma: 1, smooth: parameters[0])
        applySoftmax = parameters[1] != 0
        ignoreBackground = parameters[2] != 0
    }
}
