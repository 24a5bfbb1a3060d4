/// A differentiable loss of one tensor: neural-style's `feval` contract, in Swift.
///
/// Conformers write the in-place form, which adds the gradient to a tensor the caller owns (so
/// that the iterations allocate nothing); the allocating form is derived from it.
protocol Loss {
  /// The loss at `input`; adds its gradient with respect to `input` to `gradient` (same shape).
  func valueAndGradient(_ input: Tensor, accumulatingInto gradient: inout Tensor) -> Float
}

extension Loss {
  /// The loss at `input` and its gradient with respect to `input` (same shape).
  func valueAndGradient(_ input: Tensor) -> (value: Float, gradient: Tensor) {
    var gradient = Tensor(shape: input.shape)
    let value = valueAndGradient(input, accumulatingInto: &gradient)
    return (value, gradient)
  }
}

/// A loss on one layer's activations, evaluated where the network leaves them: on the interior
/// of zero-bordered planes, its gradient added to the planes of the backward pass
/// (`FeatureLosses`).
protocol ActivationLoss: Loss {
  /// The loss at the activations in the interior of `features` (whose border is zero); may keep
  /// what `addGradient(at:to:)` needs, in a buffer of its own.
  mutating func value(at features: PaddedPlanes) -> Float
  /// Adds the gradient at the activations of the last `value(at:)` to the interior of
  /// `gradient`.
  func addGradient(at features: PaddedPlanes, to gradient: PaddedPlanes)
}

extension ActivationLoss {
  /// The loss at activations F (C, H, W); adds dE/dF to `gradient` (C, H, W). Copies both into
  /// planes, so it is for tests and one-off uses; the iterations work on the network's planes.
  func valueAndGradient(_ features: Tensor, accumulatingInto gradient: inout Tensor) -> Float {
    precondition(
      gradient.shape == features.shape, "gradient \(gradient.shape) != \(features.shape)")
    let (planes, gradientPlanes) = (PaddedPlanes(features), PaddedPlanes(gradient))
    var loss = self  // `value(at:)` may write scratch (StyleLoss's G - A): this copy's own
    let value = loss.value(at: planes)
    loss.addGradient(at: planes, to: gradientPlanes)
    gradientPlanes.copyInterior(into: &gradient)
    return value
  }
}
