// The adjoints of the tile transforms of `TileTransforms`, for `WinogradConvolution.applyAdjoint`.

extension TileTransforms {
  /// A y for y = (y0 ... y3): the adjoint of `outputTransform`.
  @inline(__always)
  private static func adjointOutputTransform(
    _ y0: Vector, _ y1: Vector, _ y2: Vector, _ y3: Vector
  ) -> Sextet {
    let e = y0 + y2, f = y1 + y3, g = y0 + 4 * y2, h = 2 * y1 + 8 * y3
    return (y0, e + f, e - f, g + h, g - h, y3)
  }

  /// B v for v = (v0 ... v5): the adjoint of `inputTransform`.
  @inline(__always)
  private static func adjointInputTransform(
    _ v0: Vector, _ v1: Vector, _ v2: Vector, _ v3: Vector, _ v4: Vector, _ v5: Vector
  ) -> Sextet {
    let p = v1 + v2, q = v3 + v4
    return (
      4 * v0, 4 * (v2 - v1) + 2 * (v4 - v3) + 4 * v5, -5 * v0 - 4 * p - q,
      (v1 - v2) + 2 * (v3 - v4) - 5 * v5, v0 + p + q, v5
    )
  }

  /// Adds the 6-column rows of eight tiles that start 4 columns apart, `values.k` holding column
  /// k of each, to `target` ..< `target` + 34: columns 4 lane + k for k < 4 are one interleave
  /// of the four vectors; columns 4 and 5 overlap the next tile's 0 and 1.
  @inline(__always)
  private static func addInterleaved(_ values: Sextet, to target: UnsafeMutablePointer<Float>) {
    let (v4, v5) = (values.4, values.5)
    let a = values.0 + Vector(0, v4[0], v4[1], v4[2], v4[3], v4[4], v4[5], v4[6])
    let b = values.1 + Vector(0, v5[0], v5[1], v5[2], v5[3], v5[4], v5[5], v5[6])
    let quarters = interleaved(a, b, values.2, values.3)
    func add(_ v: Vector, at offset: Int) {
      let p = UnsafeMutableRawPointer(target + offset)
      p.storeBytes(of: p.loadUnaligned(as: Vector.self) + v, as: Vector.self)
    }
    add(quarters.0, at: 0)
    add(quarters.1, at: 8)
    add(quarters.2, at: 16)
    add(quarters.3, at: 24)
    target[32] += v4[7]
    target[33] += v5[7]
  }

  /// Writes A dY A^T of `tiles` for `channels` of `gradient`: the adjoint of `output`. Parts of
  /// a tile outside the image count as zero.
  // gradient (outC, H+2, W+2), interior read; transformed (outC, 36, ld), ld = rowLength(n)
  func adjointInput(
    _ gradient: PaddedPlanes, channels: Range<Int>, tiles: Range<Int>,
    into transformed: UnsafeMutablePointer<Float>, rows: UnsafeMutablePointer<Float>
  ) {
    let (height, width, rowStride) = (gradient.height, gradient.width, gradient.rowStride)
    let ld = Self.rowLength(tiles.count)
    forEachRow(of: tiles) { ty, txs, offset in
      let across = txs.count
      let length = Self.phaseLength(across)
      let phases = rows  // (4 rows, 4 phases, length): phase k of row i holds column 4 tx + k
      let columns = 4 * txs.lowerBound
      for c in channels {
        let plane = gradient.base + c * gradient.planeStride + rowStride + 1  // interior (0, 0)
        for i in 0..<4 {
          let y = 4 * ty + i
          let target = phases + i * 4 * length
          target.update(repeating: 0, count: 4 * length)
          guard y < height else { continue }
          let row = plane + y * rowStride + columns
          let inside = min(4 * across, width - columns)
          for x in 0..<inside { target[(x % 4) * length + x / 4] = row[x] }
        }
        let base = transformed + c * 36 * ld + offset
        func load(_ i: Int, _ k: Int, _ t: Int) -> Vector {
          UnsafeRawPointer(phases + (i * 4 + k) * length + t).loadUnaligned(as: Vector.self)
        }
        for t in stride(from: 0, to: across, by: 8) {
          // A along each of the 4 rows (h_i), then down each of the 6 columns
          func row(_ i: Int) -> Sextet {
            Self.adjointOutputTransform(load(i, 0, t), load(i, 1, t), load(i, 2, t), load(i, 3, t))
          }
          let (h0, h1, h2, h3) = (row(0), row(1), row(2), row(3))
          func store(_ v: Sextet, column s: Int) {
            Self.store(v, column: s, to: base + t, rowLength: ld)
          }
          store(Self.adjointOutputTransform(h0.0, h1.0, h2.0, h3.0), column: 0)
          store(Self.adjointOutputTransform(h0.1, h1.1, h2.1, h3.1), column: 1)
          store(Self.adjointOutputTransform(h0.2, h1.2, h2.2, h3.2), column: 2)
          store(Self.adjointOutputTransform(h0.3, h1.3, h2.3, h3.3), column: 3)
          store(Self.adjointOutputTransform(h0.4, h1.4, h2.4, h3.4), column: 4)
          store(Self.adjointOutputTransform(h0.5, h1.5, h2.5, h3.5), column: 5)
        }
      }
    }
  }

  /// Adds B V B^T of `tiles` for `channels` of `products` over each tile's 6x6 window of
  /// `inputGradient` (padded rows 4 ty ..< 4 ty + 6, columns 4 tx ..< 4 tx + 6): the adjoint of
  /// `input`. With `spill`, the first two rows of tile row `spill.row` go to `spill.into`
  /// instead, (C, 2, W+2), for a band whose neighbour above writes the same rows.
  // products (C, 36, ld), ld = rowLength(tiles.count); inputGradient (C, H+2, W+2)
  // A kernel, one loop nest (tile rows, channels, groups of eight tiles), kept whole: a group's
  // values stay in registers from the loads through both transforms to the stores.
  func adjointOutput(
    _ products: UnsafeMutablePointer<Float>, channels: Range<Int>, tiles: Range<Int>,
    into inputGradient: PaddedPlanes, spill: (row: Int, into: UnsafeMutablePointer<Float>)?
  ) {
    let rowStride = inputGradient.rowStride
    let paddedRows = inputGradient.height + 2
    let ld = Self.rowLength(tiles.count)
    forEachRow(of: tiles) { ty, txs, offset in
      let across = txs.count
      let columns = 4 * txs.lowerBound
      for c in channels {
        let plane = inputGradient.base + c * inputGradient.planeStride
        let base = products + c * 36 * ld + offset
        for t in stride(from: 0, to: across, by: 8) {
          func load(_ r: Int, _ s: Int) -> Vector {
            UnsafeRawPointer(base + (r * 6 + s) * ld + t).loadUnaligned(as: Vector.self)
          }
          // B along each of the 6 rows (a_r), then down each of the 6 columns (z_j)
          func row(_ r: Int) -> Sextet {
            Self.adjointInputTransform(
              load(r, 0), load(r, 1), load(r, 2), load(r, 3), load(r, 4), load(r, 5))
          }
          let (a0, a1, a2, a3, a4, a5) = (row(0), row(1), row(2), row(3), row(4), row(5))
          let z = (
            Self.adjointInputTransform(a0.0, a1.0, a2.0, a3.0, a4.0, a5.0),
            Self.adjointInputTransform(a0.1, a1.1, a2.1, a3.1, a4.1, a5.1),
            Self.adjointInputTransform(a0.2, a1.2, a2.2, a3.2, a4.2, a5.2),
            Self.adjointInputTransform(a0.3, a1.3, a2.3, a3.3, a4.3, a5.3),
            Self.adjointInputTransform(a0.4, a1.4, a2.4, a3.4, a4.4, a5.4),
            Self.adjointInputTransform(a0.5, a1.5, a2.5, a3.5, a4.5, a5.5)
          )  // z.j.i: window row i, column j of the eight tiles
          let x0 = columns + 4 * t  // the group's first padded column
          let lanes = min(8, across - t)
          for i in 0..<6 {
            let y = 4 * ty + i
            guard y < paddedRows else { break }
            let values: Sextet
            switch i {
            case 0: values = (z.0.0, z.1.0, z.2.0, z.3.0, z.4.0, z.5.0)
            case 1: values = (z.0.1, z.1.1, z.2.1, z.3.1, z.4.1, z.5.1)
            case 2: values = (z.0.2, z.1.2, z.2.2, z.3.2, z.4.2, z.5.2)
            case 3: values = (z.0.3, z.1.3, z.2.3, z.3.3, z.4.3, z.5.3)
            case 4: values = (z.0.4, z.1.4, z.2.4, z.3.4, z.4.4, z.5.4)
            default: values = (z.0.5, z.1.5, z.2.5, z.3.5, z.4.5, z.5.5)
            }
            let target =
              if let spill, ty == spill.row, i < 2 {
                spill.into + (c * 2 + i) * rowStride + x0
              } else {
                plane + y * rowStride + x0
              }
            let inside = rowStride - x0  // columns of the plane from the group's first
            if lanes == 8 && inside >= 34 {
              Self.addInterleaved(values, to: target)
            } else {
              for lane in 0..<lanes {
                let p = target + 4 * lane
                let limit = min(6, inside - 4 * lane)
                if limit > 0 { p[0] += values.0[lane] }
                if limit > 1 { p[1] += values.1[lane] }
                if limit > 2 { p[2] += values.2[lane] }
                if limit > 3 { p[3] += values.3[lane] }
                if limit > 4 { p[4] += values.4[lane] }
                if limit > 5 { p[5] += values.5[lane] }
              }
            }
          }
        }
      }
    }
  }
}
