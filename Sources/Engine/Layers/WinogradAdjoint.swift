// The backward pass of `WinogradConvolution`: the same algorithm run backwards on the same
// transformed kernels. For Y = A^T [ sum_i U_i ⊙ (B^T d_i B) ] A the adjoint is
//   dd_i = B [ sum_o U_o^T ⊙ (A dY A^T) ] B^T
// added over the overlapping 6x6 input windows of the tiles.

extension WinogradConvolution {
  /// Overwrites `inputGradient` with the adjoint of `apply` (without bias) at `gradient`: the
  /// gradient with respect to the convolution's input, given the gradient with respect to its
  /// output. Runs the same algorithm backwards on the same transformed kernels, transposed:
  ///   dd_t = B [ sum_o U_o^T ⊙ (A dY_t A^T) ] B^T
  /// added over the overlapping 6x6 windows of the tiles, so the backward pass needs no kernels
  /// of its own (Winograd's take 4x the weights' memory) and is the exact derivative of the
  /// forward as computed.
  ///
  /// Large images: the tile rows are split into one band per core; each core runs its band in
  /// cache-sized blocks, and the two padded rows its first tile row shares with the band above go
  /// to a buffer of its own, added once both cores are done. Small images: one block, the
  /// transforms split over channels and the products over positions.
  // gradient (outC, H+2, W+2), interior read; inputGradient (C, H+2, W+2), border written too
  package func applyAdjoint(
    _ gradient: PaddedPlanes, into inputGradient: PaddedPlanes, scratch: Scratch,
    blockBudget: Int = WinogradConvolution.defaultBlockBudget,
    minimumTilesPerCore: Int = WinogradConvolution.minimumTilesPerCore
  ) {
    precondition(
      gradient.channels == outChannels && inputGradient.channels == inChannels, "channel mismatch")
    precondition(
      gradient.height == inputGradient.height && gradient.width == inputGradient.width,
      "size mismatch")
    let tilesAcross = (gradient.width + 3) / 4
    let tilesDown = (gradient.height + 3) / 4
    let tileCount = tilesAcross * tilesDown
    let perTile = 36 * (inChannels + outChannels)
    let (split, blockTiles) = blocking(
      of: tileCount, budget: blockBudget, minimumTilesPerCore: minimumTilesPerCore)
    let space = AdjointScratch(
      split: split, blockSpace: perTile * TileTransforms.rowLength(blockTiles),
      rowSpace: TileTransforms.rowSpace(tilesAcross: tilesAcross),
      spillSpace: inChannels * 2 * inputGradient.rowStride, in: scratch)
    inputGradient.zero()
    transformedWeights.withUnsafeBufferPointer { u in
      guard let u = u.baseAddress else { return }
      let transforms = TileTransforms(tilesAcross: tilesAcross, bias: nil)
      let restored = switchBLASToOneThread()
      defer { blasThreadCount = restored }
      if split {
        let bands = applyAdjointInBands(
          gradient, into: inputGradient, u: u, transforms: transforms, space: space,
          tilesDown: tilesDown, blockTiles: blockTiles)
        addSpilledRows(of: bands, space: space, into: inputGradient)
      } else {
        let transformed = space.block(0)
        let all = 0..<tileCount
        parallelChunks(0..<outChannels) { chunk, worker in
          transforms.adjointInput(
            gradient, channels: chunk, tiles: all, into: transformed, rows: space.rows(worker))
        }
        parallelChunks(0..<36) { chunk, _ in
          multiply(u, transformed, tiles: tileCount, positions: chunk, adjoint: true)
        }
        parallelChunks(0..<inChannels) { chunk in
          transforms.adjointOutput(
            transformed + 36 * outChannels * TileTransforms.rowLength(tileCount), channels: chunk,
            tiles: all, into: inputGradient, spill: nil)
        }
      }
    }
  }

  /// Where `applyAdjoint`'s scratch holds what. Split: per worker its block, its row scratch and
  /// its spill rows; else one block, then per worker its row scratch.
  private struct AdjointScratch {
    let split: Bool
    let blockSpace: Int
    let rowSpace: Int
    let spillSpace: Int
    /// The elements each worker has to itself.
    let workerSpace: Int
    /// The start of the scratch.
    let base: UnsafeMutablePointer<Float>

    /// Lays out the scratch and reserves it in `scratch`.
    init(split: Bool, blockSpace: Int, rowSpace: Int, spillSpace: Int, in scratch: Scratch) {
      (self.split, self.blockSpace, self.rowSpace, self.spillSpace) = (
        split, blockSpace, rowSpace, spillSpace
      )
      workerSpace = (split ? blockSpace + spillSpace : 0) + rowSpace
      base = scratch.reserve((split ? 0 : blockSpace) + coreCount * workerSpace)
    }

    /// The block (transformed tiles, then their products) of `worker`; the only one unsplit.
    func block(_ worker: Int) -> UnsafeMutablePointer<Float> {
      split ? base + worker * workerSpace : base
    }
    /// The row scratch of `worker`'s input transform.
    func rows(_ worker: Int) -> UnsafeMutablePointer<Float> {
      split ? base + worker * workerSpace + blockSpace : base + blockSpace + worker * workerSpace
    }
    /// The two padded rows of `worker`'s band that the band above writes too (split only).
    func spill(_ worker: Int) -> UnsafeMutablePointer<Float> {
      base + worker * workerSpace + blockSpace + rowSpace
    }
  }

  /// The split case of `applyAdjoint`: the tile rows in one band per core, each core running its
  /// band in blocks, its first two padded rows into its spill (but the first band's). Returns the
  /// bands, by worker.
  private func applyAdjointInBands(
    _ gradient: PaddedPlanes, into inputGradient: PaddedPlanes, u: UnsafePointer<Float>,
    transforms: TileTransforms, space: AdjointScratch, tilesDown: Int, blockTiles: Int
  ) -> [Range<Int>] {
    let tilesAcross = transforms.tilesAcross
    var bands = [Range<Int>](repeating: 0..<0, count: coreCount)
    bands.withUnsafeMutableBufferPointer { bands in
      nonisolated(unsafe) let bands = bands
      parallelChunks(0..<tilesDown) { rows, worker in
        bands[worker] = rows
        let (transformed, spill) = (space.block(worker), space.spill(worker))
        spill.update(repeating: 0, count: space.spillSpace)
        let band = (rows.lowerBound * tilesAcross)..<(rows.upperBound * tilesAcross)
        for first in stride(from: band.lowerBound, to: band.upperBound, by: blockTiles) {
          let tiles = first..<min(band.upperBound, first + blockTiles)
          transforms.adjointInput(
            gradient, channels: 0..<outChannels, tiles: tiles, into: transformed,
            rows: space.rows(worker))
          multiply(u, transformed, tiles: tiles.count, positions: 0..<36, adjoint: true)
          transforms.adjointOutput(
            transformed + 36 * outChannels * TileTransforms.rowLength(tiles.count),
            channels: 0..<inChannels, tiles: tiles, into: inputGradient,
            spill: worker == 0 ? nil : (row: rows.lowerBound, into: spill))
        }
      }
    }
    return bands
  }

  /// Adds the rows each band (but the first) shares with the band above, kept in its spill.
  private func addSpilledRows(
    of bands: [Range<Int>], space: AdjointScratch, into inputGradient: PaddedPlanes
  ) {
    for (worker, rows) in bands.enumerated() where worker > 0 && !rows.isEmpty {
      let spill = space.spill(worker)
      let rowStride = inputGradient.rowStride
      parallelChunks(0..<inChannels) { chunk in
        for c in chunk {
          let target = inputGradient.base + c * inputGradient.planeStride
            + 4 * rows.lowerBound * rowStride
          let source = spill + c * 2 * rowStride
          for x in 0..<(2 * rowStride) { target[x] += source[x] }
        }
      }
    }
  }
}
