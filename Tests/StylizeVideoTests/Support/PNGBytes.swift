// PNG files built byte by byte (W3C PNG specification, 2nd edition), for the kinds FFmpeg's
// encoder does not write and for headers that lie: palette and 16-bit pictures, a 16000x16000
// header over a few bytes of data. The image data is zlib with stored (uncompressed) deflate
// blocks (RFC 1950/1951), so no compressor is needed.

/// The bytes of PNG files.
enum PNGBytes {
  /// A PNG of `width` x `height` with IHDR `colorType` (0 gray, 2 RGB, 3 palette, 4 gray+alpha,
  /// 6 RGBA) and `bitDepth`; `rows` are the unfiltered scanlines (filter byte 0 is added);
  /// `palette` (RGB triples) is written as PLTE before the data.
  static func file(
    width: Int, height: Int, bitDepth: UInt8 = 8, colorType: UInt8, rows: [[UInt8]],
    palette: [UInt8]? = nil
  ) -> [UInt8] {
    var header: [UInt8] = []
    header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
    header += [bitDepth, colorType, 0, 0, 0]
    var raw: [UInt8] = []
    for row in rows { raw += [0] + row }
    var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    bytes += chunk("IHDR", header)
    if let palette { bytes += chunk("PLTE", palette) }
    bytes += chunk("IDAT", zlibStored(raw))
    bytes += chunk("IEND", [])
    return bytes
  }

  /// An 8-bit RGB PNG whose pixel (x, y) is `color(x, y)`.
  static func rgb(width: Int, height: Int, color: (Int, Int) -> [UInt8]) -> [UInt8] {
    let rows = (0..<height).map { y in (0..<width).flatMap { x in color(x, y) } }
    return file(width: width, height: height, colorType: 2, rows: rows)
  }

  /// One chunk: length, type, data, CRC-32 of type and data.
  static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let typeAndData = Array(type.utf8) + data
    return bigEndian(UInt32(data.count)) + typeAndData + bigEndian(crc32(typeAndData))
  }

  /// `data` as a zlib stream of stored deflate blocks (at most 65535 bytes each).
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var start = 0
    repeat {
      let end = min(start + 65535, data.count)
      let length = UInt16(end - start)
      out.append(end == data.count ? 1 : 0)  // BFINAL, BTYPE 00 (stored)
      out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
      out += data[start..<end]
      start = end
    } while start < data.count
    return out + bigEndian(adler32(data))
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
  }

  /// CRC-32 (ISO 3309, polynomial 0xEDB88320 reflected), as PNG chunks use.
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }

  /// Adler-32, the zlib trailer.
  static func adler32(_ bytes: [UInt8]) -> UInt32 {
    var (a, b): (UInt32, UInt32) = (1, 0)
    for byte in bytes {
      a = (a + UInt32(byte)) % 65521
      b = (b + a) % 65521
    }
    return b << 16 | a
  }
}
