/// A dense array of `Float`s with a shape, stored row-major.
///
/// Images and activations are (C, H, W). `Tensor` has value semantics; the engine's hot loops work
/// on its `scalars` through `withUnsafeBufferPointer` and reuse buffers across iterations.
public struct Tensor: Sendable, Equatable {
  /// The size of each dimension, outermost first.
  public private(set) var shape: [Int]
  /// The elements, row-major; `scalars.count` is the product of `shape`.
  public var scalars: [Float]

  /// Creates a tensor from its elements, row-major.
  public init(shape: [Int], scalars: [Float]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
    precondition(
      shape.reduce(1, *) == scalars.count,
      "Tensor shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
    self.shape = shape
    self.scalars = scalars
  }

  /// Creates a tensor with every element equal to `value`.
  package init(shape: [Int], repeating value: Float = 0) {
    self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
  }

  /// Creates a tensor of independent uniform samples in `range`, reproducible for a given `seed`.
  package init(randomUniform shape: [Int], in range: ClosedRange<Float> = -1...1, seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    self.init(
      shape: shape,
      scalars: (0..<count).map { _ in Float.random(in: range, using: &generator) })
  }

  /// The number of elements.
  package var count: Int { scalars.count }
}

/// SplitMix64: a small, fast generator whose sequence depends only on its seed (Steele et al. 2014).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// Creates a generator; equal seeds give equal sequences on every platform.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension Array {
  /// Overwrites the first `source.count` elements with `source`, in place: no new storage while
  /// this array's is its own, so the iterations reuse their buffers. `source` must not be longer.
  mutating func overwrite(with source: [Element]) {
    withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: source) }
  }
}
