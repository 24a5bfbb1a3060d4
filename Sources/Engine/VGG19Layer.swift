extension VGG19 {
  /// A ReLU output, `relu<block>_<conv>`, ordered by depth.
  public enum Layer: String, CaseIterable, Comparable, Sendable {
    case relu1_1, relu1_2
    case relu2_1, relu2_2
    case relu3_1, relu3_2, relu3_3, relu3_4
    case relu4_1, relu4_2, relu4_3, relu4_4
    case relu5_1, relu5_2, relu5_3, relu5_4

    /// The position in the network, 0 for relu1_1.
    package var depth: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    /// The block, 1...5; each block ends with a pooling that halves the size.
    var block: Int { Self.blockOfDepth[depth] }

    /// Input pixels per activation step: 2^(block - 1), 16 at relu5_1.
    public var stride: Int { 1 << (block - 1) }
    /// The side of the square of input pixels one activation sees (3 at relu1_1, 156 at relu5_1).
    public var receptiveField: Int {
      var (side, step) = (1, 1)
      for layer in Self.allCases[0...depth] {
        if layer.followsPooling { (side, step) = (side + step, 2 * step) }  // 2x2, stride 2
        side += 2 * step  // 3x3, stride 1
      }
      return side
    }

    public static func < (lhs: Layer, rhs: Layer) -> Bool { lhs.depth < rhs.depth }

    static let blockOfDepth = [1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5]
    /// The Keras/Caffe name of the convolution before this ReLU, such as `block1_conv1`.
    var convolutionName: String {
      let parts = rawValue.dropFirst(4).split(separator: "_")
      return "block\(parts[0])_conv\(parts[1])"
    }
    /// Whether a pooling sits between the previous layer and this one.
    var followsPooling: Bool { depth > 0 && Self.blockOfDepth[depth - 1] != block }
  }

  /// How each block's output is downsampled.
  public enum Pooling: String, CaseIterable, Sendable {
    /// 2x2 maximum (most tools' default).
    case max
    /// 2x2 mean (Gatys et al.: smoother results).
    case average
  }
}

extension VGG19.Layer {
  init?(depth: Int) {
    guard Self.allCases.indices.contains(depth) else { return nil }
    self = Self.allCases[depth]
  }
}
