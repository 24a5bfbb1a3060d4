/// Memory for planes: one allocation, freed when the last planes using it go.
final class PlaneStorage {
  /// The number of floats.
  let capacity: Int
  /// The first float; `capacity` of them, zero-initialised.
  let base: UnsafeMutablePointer<Float>

  init(capacity: Int) {
    self.capacity = capacity
    base = .allocate(capacity: capacity)
    base.initialize(repeating: 0, count: capacity)
  }

  deinit { base.deallocate() }
}

/// Activations of one layer, (C, H, W), each channel stored with a one-pixel zero border.
///
/// Stored as (C, H + 2, W + 2) row-major. With that border a 3x3 convolution is a set of
/// matrix products over *shifted views* of the same memory (no bounds checks, no im2col for the
/// shift itself), and the border doubles as the convolution's zero padding. Allocated once per
/// image size and reused; the border must be zero whenever a convolution reads the planes.
package final class PaddedPlanes {
  let channels: Int
  let height: Int
  let width: Int
  /// `width + 2`: the distance between rows.
  let rowStride: Int
  /// `(height + 2) * (width + 2)`: the distance between channels.
  let planeStride: Int
  /// The first element; `channels * planeStride` elements.
  let base: UnsafeMutablePointer<Float>
  /// The memory `base` points into.
  private let storage: PlaneStorage

  /// Planes in memory of their own, zero-initialised.
  package convenience init(channels: Int, height: Int, width: Int) {
    self.init(
      channels: channels, height: height, width: width,
      in: PlaneStorage(capacity: channels * (height + 2) * (width + 2)))
  }

  /// Planes at the start of `storage`, which other planes may share: they hold whatever was
  /// written there last, borders included.
  init(channels: Int, height: Int, width: Int, in storage: PlaneStorage) {
    precondition(
      channels > 0 && height > 0 && width > 0, "empty planes \(channels)x\(height)x\(width)")
    self.channels = channels
    self.height = height
    self.width = width
    rowStride = width + 2
    planeStride = (height + 2) * (width + 2)
    precondition(channels * planeStride <= storage.capacity, "planes larger than their storage")
    self.storage = storage
    base = storage.base
  }

  /// Planes holding a copy of `tensor`, (C, H, W), with zero borders.
  convenience init(_ tensor: Tensor) {
    precondition(tensor.shape.count == 3, "planes need a (C, H, W) tensor, got \(tensor.shape)")
    self.init(channels: tensor.shape[0], height: tensor.shape[1], width: tensor.shape[2])
    load(tensor)
  }

  /// Element count including borders.
  var count: Int { channels * planeStride }

  /// The index of pixel (0, 0) of channel 0, just inside the border.
  var interiorOffset: Int { rowStride + 1 }

  /// Sets every element, borders included, to zero.
  func zero() {
    parallelChunks(0..<channels) { chunk in
      (base + chunk.lowerBound * planeStride).update(repeating: 0, count: chunk.count * planeStride)
    }
  }

  /// Sets the left and right border columns of every row to zero (the shifted products write
  /// there); the top and bottom border rows are never written.
  func zeroSideBorders() {
    parallelChunks(0..<channels) { chunk in
      for c in chunk {
        let plane = base + c * planeStride
        for y in 1...height {
          plane[y * rowStride] = 0
          plane[y * rowStride + width + 1] = 0
        }
      }
    }
  }

  /// Copies a (C, H, W) tensor into the interior; the border is left as it is.
  package func load(_ tensor: Tensor) {
    forEachInteriorRow(of: tensor) { row, source, width in row.update(from: source, count: width) }
  }

  /// Adds a (C, H, W) tensor to the interior.
  func add(_ tensor: Tensor) {
    forEachInteriorRow(of: tensor) { row, source, width in
      for x in 0..<width { row[x] += source[x] }
    }
  }

  /// Calls `body(row, tensorRow, width)` for each interior row, channels split over the cores:
  /// the row's first element here and the same row of `tensor`, (C, H, W) like the interior.
  private func forEachInteriorRow(
    of tensor: Tensor, _ body: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void
  ) {
    checkInterior(tensor.shape)
    let (base, width) = (base, width)
    tensor.scalars.withUnsafeBufferPointer { buffer in
      guard let source = buffer.baseAddress else { return }
      forEachInteriorRow { row, tensorRow in body(base + row, source + tensorRow, width) }
    }
  }

  /// The interior as a (C, H, W) tensor.
  func tensor() -> Tensor {
    var tensor = Tensor(shape: [channels, height, width])
    copyInterior(into: &tensor)
    return tensor
  }

  /// Copies the interior into `tensor`, (C, H, W); in place when its storage is not shared,
  /// which saves the page faults of a fresh allocation on every pass.
  func copyInterior(into tensor: inout Tensor) {
    checkInterior(tensor.shape)
    let (base, width) = (base, width)
    tensor.scalars.withUnsafeMutableBufferPointer { buffer in
      guard let target = buffer.baseAddress else { return }
      forEachInteriorRow { row, tensorRow in
        (target + tensorRow).update(from: base + row, count: width)
      }
    }
  }

  /// Traps unless `shape` is the interior's, (C, H, W).
  private func checkInterior(_ shape: [Int]) {
    precondition(
      shape == [channels, height, width], "expected \([channels, height, width]), got \(shape)")
  }

  /// Calls `body(row, tensorRow)` for each interior row, channels split over the cores: the
  /// index of the row's first element here (from `base`) and in a (C, H, W) tensor.
  private func forEachInteriorRow(_ body: (_ row: Int, _ tensorRow: Int) -> Void) {
    let (height, width, rowStride, planeStride) = (height, width, rowStride, planeStride)
    parallelChunks(0..<channels) { chunk in
      for c in chunk {
        for y in 0..<height {
          body(c * planeStride + (y + 1) * rowStride + 1, (c * height + y) * width)
        }
      }
    }
  }
}
