/// One VGG convolution with its ReLU: the forward and input-gradient kernels, each packed for
/// the strategy that suits its shape.
struct ConvolutionLayer {
  let inChannels: Int
  let outChannels: Int
  /// (outC, inC, 3, 3), row-major.
  let weights: [Float]
  /// (outC).
  let bias: [Float]
  let forwardKernel: ShiftedConvolution
  let backwardKernel: ShiftedConvolution

  init(weights: [Float], bias: [Float], outChannels: Int, inChannels: Int) {
    precondition(bias.count == outChannels, "bias must be (outC)")
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.weights = weights
    self.bias = bias
    forwardKernel = ShiftedConvolution(
      weights: weights, outChannels: outChannels, inChannels: inChannels,
      strategy: Self.strategy(depth: inChannels, outputs: outChannels))
    backwardKernel = ShiftedConvolution(
      weights: ShiftedConvolution.adjointWeights(
        weights, outChannels: outChannels, inChannels: inChannels),
      outChannels: inChannels, inChannels: outChannels,
      strategy: Self.strategy(depth: outChannels, outputs: inChannels))
  }

  /// The strategy for a product of depth `depth` (input channels) giving `outputs` channels.
  static func strategy(depth: Int, outputs: Int) -> ConvolutionStrategy {
    if outputs <= 8 { return .gather }
    if depth <= 8 { return .im2col }
    return defaultStrategy
  }

  /// The strategy for everything but the first layer (tunable for benchmarks).
  ///
  /// Measured with `stylize-video bench` at 512x288 on the 2-core host (Haswell sgemm kernels):
  /// im2col costs its 9 copies (iteration 1.17 s), while three and nine shifts both ran at
  /// 1.02-1.03 s against 0.89 s for single sgemm calls of the same FLOPs; three shifts won on
  /// the 64-channel layers (whose output, re-read by every product, is the largest).
  nonisolated(unsafe) static var defaultStrategy = ConvolutionStrategy.threeShifts

  /// output = ReLU(convolution(input) + bias).
  // input (inC, H+2, W+2); output (outC, H+2, W+2); both zero-bordered
  func forward(_ input: PaddedPlanes, into output: PaddedPlanes, scratch: Scratch) {
    forwardKernel.apply(input, into: output, scratch: scratch)
    biasReLUForward(output, bias: bias)
  }

  /// The gradient with respect to the input, given the gradient with respect to the ReLU's output
  /// (`gradient`, masked in place, plus `tap` if given) and that output (`activation`).
  // gradient, activation (outC, H+2, W+2); tap (outC, H, W); inputGradient (inC, H+2, W+2), interior overwritten
  func backward(
    _ gradient: PaddedPlanes, activation: PaddedPlanes, adding tap: Tensor? = nil,
    into inputGradient: PaddedPlanes, scratch: Scratch
  ) {
    reluBackward(gradient, activation: activation, adding: tap)
    backwardKernel.apply(gradient, into: inputGradient, scratch: scratch)
  }
}
