import Engine
import Foundation

extension ExplainReport {
  /// Facts about the run printed at the foot of the page.
  struct RunFacts {
    var styleName: String
    var contentName: String?
    var pooling: String
    var seed: UInt64
    var seconds: Double
  }

  /// The report as one self-contained HTML page: inline CSS, PNGs by relative links, no scripts.
  func html(_ facts: [LayerFacts], run: RunFacts) -> String {
    head(run) + inputFigure(run) + layerFigures() + shuffleFigure(facts) + gramFigures(facts)
      + foot(run)
  }

  /// The page up to the first figure: title, style sheet and the introduction.
  private func head(_ run: RunFacts) -> String {
    """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8">
      <title>Why a Gram matrix is style: \(escaped(run.styleName))</title>
      <style>
      body { font: 16px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
      h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; }
      .row { display: flex; flex-wrap: wrap; gap: 0.75rem; }
      .cell { flex: 0 1 13rem; font-size: 0.85rem; color: #555; }
      .cell img { width: 100%; display: block; image-rendering: auto; border: 1px solid #ddd; }
      .caption { max-width: 48rem; } table { border-collapse: collapse; }
      td, th { padding: 0.2rem 0.8rem; text-align: right; border-bottom: 1px solid #ddd; }
      footer { margin-top: 3rem; font-size: 0.85rem; color: #666; }
      </style></head><body>
      <h1>Why a Gram matrix is “style”</h1>
      <p class="caption">An image-recognition network (VGG-19, trained on photographs) turns a \
      picture into feature maps: at each layer, one map per channel, saying how strongly a \
      pattern the channel has learned (an edge, a colour, a bit of texture, deeper down parts of \
      objects) is present at each position. Style transfer compares pictures through these maps \
      in two ways. Compared position by position, the raw <b>activations</b> describe the \
      content: what is where. Multiplied channel by channel and averaged over all positions, \
      they give the layer’s <b>Gram matrix</b>: for every pair of channels, how much the two \
      fire together, with the positions thrown away. That is what this method calls style.</p>
      <p class="caption">Every picture below was made by stylize-video’s own engine: starting \
      from the same random noise, the pixels were changed step by step (L-BFGS, up to \
      \(iterations) steps for textures, \(max(1, iterations / 2)) for reconstructions) until the \
      network’s view of the picture matched that of a target image.</p>

      """
  }

  /// The style image and the content image.
  private func inputFigure(_ run: RunFacts) -> String {
    var images = [("style.png", "style: \(escaped(run.styleName))")]
    if let name = run.contentName { images.append(("content.png", "content: \(escaped(name))")) }
    return figure(
      "The pictures", rows: [images],
      caption: contentIsStyle
        ? """
        No content image was given, so the style image is also the content: the \
        reconstructions below rebuild it, which puts its layout and its texture side by side.
        """
        : "The style image, and the content image whose activations the reconstructions rebuild.")
  }

  /// Textures from each layer and from growing sets of layers, and reconstructions beside them.
  private func layerFigures() -> String {
    let layers = Self.layers
    let seeLabel = { (layer: VGG19.Layer) in
      "\(layer.rawValue) · sees \(layer.receptiveField) px"
    }
    let content = contentIsStyle ? "the style image (no --content given)" : "the content image"
    var page = figure(
      "Textures from one layer’s Gram matrix",
      rows: [layers.map { ("texture-\($0.rawValue).png", seeLabel($0)) }],
      caption: """
        Each texture started as noise and was changed until its Gram matrix at a single layer \
        matched the style image’s. A channel at a layer sees only a small window of the image \
        (the size under each picture), so that layer’s Gram matrix can only describe patterns \
        that fit in the window: relu1_1 keeps the colours and the finest grain, relu2_1 and \
        relu3_1 short strokes, relu4_1 and relu5_1 larger motifs. Alone, the deep layers hold \
        the colours only loosely, so their textures may look washed out or off in colour.
        """)
    let growing = layers.indices.map { count in
      let set = Synthesis(
        kind: .texture, layers: Array(layers[0...count]), source: .style, iterations: 0)
      return (set.fileName, count == 0 ? "relu1_1" : "relu1_1 … \(layers[count].rawValue)")
    }
    page += figure(
      "Textures from growing sets of layers", rows: [growing],
      caption: """
        The same, matching several layers at once, as style transfer does (its default style \
        layers are these five). Each added layer brings larger structure while the shallow \
        ones keep colour and grain right. The last picture is the style as the main command \
        applies it, without any content.
        """)
    page += figure(
      "Activations keep where; Gram matrices keep which-together",
      rows: [
        layers.map { ("reconstruction-\($0.rawValue).png", "activations at \($0.rawValue)") },
        layers.map { ("texture-\($0.rawValue).png", "Gram matrix at \($0.rawValue)") },
      ],
      caption: """
        Top: \(content) rebuilt from its raw activations at one layer: noise changed until the \
        activations match at every position. Bottom: the textures from the same layer’s Gram \
        matrix of the style image (from the first figure). The reconstructions keep the \
        layout: things stay where they were, and even relu5_1, which has lost most detail, \
        keeps the large shapes in place. The textures keep the ingredients but scatter them: \
        a Gram matrix records which features occur together, not where.
        """)
    return page
  }

  /// The style image with its tiles shuffled, what that does to textures and reconstructions,
  /// and the table of how much each layer's activations and Gram matrix changed.
  private func shuffleFigure(_ facts: [LayerFacts]) -> String {
    let deep = Self.shuffleLayer.rawValue
    var page = figure(
      "Shuffling the tiles",
      rows: [
        [("style.png", "style"), ("style-shuffled.png", "its \(tile) px tiles shuffled")],
        [
          ("texture-relu1_1-to-relu5_1.png", "texture from the style"),
          ("texture-shuffled.png", "texture from the shuffled tiles"),
        ],
        [
          (styleReconstructionFile, "style rebuilt from \(deep) activations"),
          ("reconstruction-shuffled-\(deep).png", "shuffled, rebuilt from \(deep)"),
        ],
      ],
      caption: """
        The style image was cut into \(tile)×\(tile) px tiles, put back in a random order \
        (\(tile) px is a multiple of 16, the step of relu5_1’s grid, so the tiles line up with \
        every layer’s grid). A Gram matrix sums over all positions, so moving whole pieces \
        hardly changes it: only the seams, where tiles that were not neighbours now meet, add \
        a few features that were not there. That is why it is nearly, not exactly, the same, \
        and why the change grows at the deep layers, whose channels see across several tiles. \
        So the two textures look alike. Raw activations are tied to positions: they change \
        almost completely, and a picture rebuilt from them shows the tiles where the shuffled \
        image has them. How much each changed (|after − before| / |before|):
        """)
    page += "<table><tr><th>layer</th><th>activations</th><th>Gram matrix</th></tr>\n"
    for fact in facts {
      let change = fact.shuffleChange
      page +=
        "<tr><td>\(fact.layer.rawValue)</td>"
        + String(
          format: "<td>%.0f %%</td><td>%.0f %%</td></tr>\n", 100 * change.activations,
          100 * change.gram)
    }
    page += "</table>\n"
    return page
  }

  /// The Gram matrices as heat maps, and where each layer's strongest pair fires.
  private func gramFigures(_ facts: [LayerFacts]) -> String {
    let grams = figure(
      "The Gram matrices of the style image",
      rows: [
        facts.map {
          (
            "gram-\($0.layer.rawValue).png",
            "\($0.layer.rawValue): \($0.features.gram.shape[0]) channels"
          )
        }
      ],
      caption: """
        The square in row i and column j is how much channels i and j fire together, averaged \
        over the image. Channels are sorted by how strongly they fire on their own (the \
        diagonal), strongest first, so the large entries gather top left. Colour is on a \
        logarithmic scale: yellow is the largest entry, each step of a third of the scale \
        towards dark purple a factor of ten less, dark purple a thousandth or less (a few pairs \
        dwarf the rest). A few channels carry most of each layer’s activity, and which pairs go \
        together is what a texture has to reproduce.
        """)
    let pairs = figure(
      "Where the strongest pair fires",
      rows: [
        facts.map {
          (
            "coactivation-\($0.layer.rawValue).png",
            "\($0.layer.rawValue): channels \($0.strongestPair.first) and \($0.strongestPair.second)"
          )
        }
      ],
      caption: """
        For each layer, the two different channels with the largest entry of the Gram matrix, \
        the pair that fires together most, and where they do: the product of their two maps, \
        enlarged to the image, over a dimmed grey copy of the style image (yellow where both \
        fire strongly). The Gram entry is the average of this map; the style loss keeps the \
        average and forgets the map.
        """)
    return grams + pairs
  }

  /// The footer with the facts of the run, and the end of the page.
  private func foot(_ run: RunFacts) -> String {
    """
      <footer>Made by <code>stylize-video explain</code> in \(formatDuration(run.seconds)): \
      \(style.width)×\(style.height) px, \(run.pooling) pooling, seed \(run.seed). Gatys, Ecker \
      &amp; Bethge 2015 (texture synthesis) and 2016 (style transfer).</footer>
      </body></html>

      """
  }

  /// One figure: a heading, rows of labelled pictures, and a caption.
  private func figure(_ title: String, rows: [[(file: String, label: String)]], caption: String)
    -> String
  {
    var html = "<h2>\(title)</h2>\n"
    for row in rows {
      html += "<div class=\"row\">"
      for cell in row {
        html +=
          "<div class=\"cell\"><img src=\"\(cell.file)\" alt=\"\(cell.label)\">\(cell.label)</div>"
      }
      html += "</div>\n"
    }
    return html + "<p class=\"caption\">\(caption)</p>\n"
  }

  /// `text` with the characters HTML gives a meaning escaped.
  private func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
