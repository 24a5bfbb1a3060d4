/// How one direction (forward or input gradient) of a convolution layer is computed.
enum ConvolutionKernel {
  /// Matrix products over shifted views of the padded input (`ShiftedConvolution`).
  case shifted(ShiftedConvolution)
  /// Winograd's F(4x4, 3x3): 4x fewer multiplies, for layers wide enough to pay the transforms.
  case winograd(WinogradConvolution)
  /// The adjoint of a Winograd convolution, on its own transformed kernels.
  case winogradAdjoint(WinogradConvolution)

  /// Packs `weights`, (outC, inC, 3, 3), for the algorithm that suits the shape.
  init(
    weights: [Float], outChannels: Int, inChannels: Int, winogradMinimumChannels: Int,
    defaultStrategy: ConvolutionStrategy
  ) {
    if min(inChannels, outChannels) >= winogradMinimumChannels {
      self = .winograd(
        WinogradConvolution(weights: weights, outChannels: outChannels, inChannels: inChannels))
    } else {
      self = .shifted(
        ShiftedConvolution(
          weights: weights, outChannels: outChannels, inChannels: inChannels,
          strategy: ConvolutionLayer.strategy(
            depth: inChannels, outputs: outChannels, default: defaultStrategy)))
    }
  }

  /// Overwrites the interior of `output` with the convolution of `input`; with `bias`, applies
  /// ReLU(x + bias) and zeroes the side borders (else they may hold garbage).
  // input (inC, H+2, W+2) zero border; output (outC, H+2, W+2); bias (outC)
  func apply(
    _ input: PaddedPlanes, into output: PaddedPlanes, scratch: Scratch, bias: [Float]? = nil
  ) {
    switch self {
    case .shifted(let kernel):
      kernel.apply(input, into: output, scratch: scratch)
      if let bias { biasReLUForward(output, bias: bias) }
    case .winograd(let kernel):
      kernel.apply(input, into: output, scratch: scratch, bias: bias)
    case .winogradAdjoint(let kernel):
      precondition(bias == nil, "the adjoint has no bias")
      kernel.applyAdjoint(input, into: output, scratch: scratch)
    }
  }
}

/// A layer's kernel weights as they were loaded.
enum KernelWeights {
  /// One float each.
  case floats([Float])
  /// One byte each, an index into a table of 256 values: the weights file's own form, a
  /// quarter of the memory of floats (VGG-19's 20 M weights: 20 MB instead of 80 MB).
  case quantized(indices: [UInt8], table: [Float])

  /// The number of weights.
  var count: Int {
    switch self {
    case .floats(let values): values.count
    case .quantized(let indices, _): indices.count
    }
  }

  /// The weights as floats.
  var floats: [Float] {
    switch self {
    case .floats(let values): values
    case .quantized(let indices, let table):
      table.withUnsafeBufferPointer { table in indices.map { table[Int($0)] } }
    }
  }
}

/// One VGG convolution with its ReLU: the forward and input-gradient kernels, each packed for
/// the algorithm that suits its shape.
///
/// The kernels are packed on first use, so layers a network never reaches (relu5_2 ... relu5_4
/// for the usual taps) cost only their weights: Winograd's transformed kernels take 4x the
/// weights' memory (once: the backward pass runs on the forward's). Not thread-safe, like `VGG19`.
package final class ConvolutionLayer {
  let inChannels: Int
  let outChannels: Int
  /// The weights as loaded, (outC, inC, 3, 3) row-major.
  let storedWeights: KernelWeights
  /// The weights as floats, (outC, inC, 3, 3) row-major.
  var weights: [Float] { storedWeights.floats }
  /// (outC).
  let bias: [Float]
  /// `winogradMinimumChannels` and `defaultStrategy` when the layer was created.
  private let winogradMinimumChannels: Int
  private let defaultStrategy: ConvolutionStrategy
  private(set) lazy var forwardKernel = ConvolutionKernel(
    weights: weights, outChannels: outChannels, inChannels: inChannels,
    winogradMinimumChannels: winogradMinimumChannels, defaultStrategy: defaultStrategy)
  /// The forward kernel's adjoint when that is Winograd (sharing its kernels), else the shifted
  /// products on the adjoint weights.
  private(set) lazy var backwardKernel: ConvolutionKernel =
    if case .winograd(let forward) = forwardKernel {
      .winogradAdjoint(forward)
    } else {
      shifted(adjoint: true)
    }

  /// A Winograd layer's shifted products both ways, for planes with fewer than
  /// `winogradMinimumTiles` tiles (packed on first use).
  private lazy var shiftedKernels = (
    forward: shifted(adjoint: false), backward: shifted(adjoint: true)
  )

  /// The shifted products on the weights or, `adjoint`, on the adjoint weights.
  private func shifted(adjoint: Bool) -> ConvolutionKernel {
    adjoint
      ? ConvolutionKernel(
        weights: ShiftedConvolution.adjointWeights(
          weights, outChannels: outChannels, inChannels: inChannels),
        outChannels: inChannels, inChannels: outChannels, winogradMinimumChannels: .max,
        defaultStrategy: defaultStrategy)
      : ConvolutionKernel(
        weights: weights, outChannels: outChannels, inChannels: inChannels,
        winogradMinimumChannels: .max, defaultStrategy: defaultStrategy)
  }

  /// The kernels for planes of `height` x `width`: Winograd's when the layer has them and the
  /// planes have enough tiles to pay for streaming them.
  func kernels(height: Int, width: Int) -> (
    forward: ConvolutionKernel, backward: ConvolutionKernel
  ) {
    if case .winograd = forwardKernel,
      ((height + 3) / 4) * ((width + 3) / 4) < Self.winogradMinimumTiles
    {
      return shiftedKernels
    }
    return (forwardKernel, backwardKernel)
  }

  convenience init(weights: [Float], bias: [Float], outChannels: Int, inChannels: Int) {
    self.init(
      weights: .floats(weights), bias: bias, outChannels: outChannels, inChannels: inChannels)
  }

  init(weights: KernelWeights, bias: [Float], outChannels: Int, inChannels: Int) {
    precondition(bias.count == outChannels, "bias must be (outC)")
    precondition(weights.count == outChannels * inChannels * 9, "weights must be (outC, inC, 3, 3)")
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.storedWeights = weights
    self.bias = bias
    winogradMinimumChannels = Self.winogradMinimumChannels
    defaultStrategy = Self.defaultStrategy
  }

  /// Whether both kernels are packed.
  private(set) var isPacked = false

  /// Packs both kernels now rather than on first use.
  func pack() {
    _ = forwardKernel
    _ = backwardKernel
    isPacked = true
  }

  /// The strategy for a product of depth `depth` (input channels) giving `outputs` channels.
  package static func strategy(
    depth: Int, outputs: Int, default: ConvolutionStrategy = defaultStrategy
  ) -> ConvolutionStrategy {
    if outputs <= 8 { return .gather }
    if depth <= 8 { return .im2col }
    return `default`
  }

  /// The strategy for everything but the first layer (tunable for benchmarks).
  ///
  /// Measured with `stylize-video bench` at 512x288 on the 2-core host (Haswell sgemm kernels):
  /// im2col costs its 9 copies (iteration 1.17 s), while three and nine shifts both ran at
  /// 1.02-1.03 s against 0.89 s for single sgemm calls of the same FLOPs; three shifts won on
  /// the 64-channel layers (whose output, re-read by every product, is the largest).
  nonisolated(unsafe) package static var defaultStrategy = ConvolutionStrategy.threeShifts

  /// Convolutions with at least this many input and output channels use Winograd's F(4x4, 3x3)
  /// (tunable for benchmarks; `Int.max` turns it off).
  ///
  /// Measured per layer with `stylize-video bench --compare-kernels` at 512x288 (AVX-512 sgemm):
  /// Winograd took 0.55-0.75 of the shifted products' time on the 64-channel layers, 0.6-0.7 on
  /// 128 and 256, 0.4 on 512; the first layer (3 channels in, and 3 out going back) is faster
  /// shifted.
  nonisolated(unsafe) package static var winogradMinimumChannels = 64

  /// Winograd layers on planes with fewer 4x4 tiles than this use the shifted products instead
  /// (tunable for benchmarks). Winograd's 36 products stream kernels 4x the size of the weights
  /// and use each kernel value once per tile: with very few tiles they wait on memory, and the
  /// shifted ones (a quarter of the bytes, 4x the multiplies) are faster.
  ///
  /// Measured with `stylize-video bench --only network` (Haswell sgemm kernels, 2 cores), as
  /// forward + backward ms of relu5_1, Winograd (`NarrowProducts`) against shifted, three
  /// interleaved rounds: 2 tiles (128x72 images) 6.4-8.0 against 4.4-5.0, 6 tiles (192x108)
  /// 6.9-8.3 against 6.2-7.8; 12 tiles (256x144) 7.7-9.3 against 9.5-10.0 (an earlier run).
  nonisolated(unsafe) package static var winogradMinimumTiles = 12

  /// output = ReLU(convolution(input) + bias).
  // input (inC, H+2, W+2); output (outC, H+2, W+2); both zero-bordered
  func forward(_ input: PaddedPlanes, into output: PaddedPlanes, scratch: Scratch) {
    kernels(height: input.height, width: input.width).forward.apply(
      input, into: output, scratch: scratch, bias: bias)
  }

  /// The gradient with respect to the input, given the gradient with respect to the ReLU's output
  /// (`gradient`, masked in place, borders included) and that output (`activation`).
  // gradient, activation (outC, H+2, W+2); inputGradient (inC, H+2, W+2), interior overwritten
  func backward(
    _ gradient: PaddedPlanes, activation: PaddedPlanes, into inputGradient: PaddedPlanes,
    scratch: Scratch
  ) {
    reluBackward(gradient, activation: activation)
    kernels(height: gradient.height, width: gradient.width).backward.apply(
      gradient, into: inputGradient, scratch: scratch)
  }
}
