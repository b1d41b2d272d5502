import Foundation
import LossKit
import Testing

/// Tests of the catalogue: ids are positions, names are unique, and the JSON the C ABI
/// publishes parses (with Foundation's independent parser) into exactly the specs.

@Suite("Catalogue")
struct CatalogueTests {
    @Test func namesAreUniqueAndKindsOrdered() throws {
        let specs = Catalogue.specs
        #expect(Set(specs.map(\.name)).count == specs.count)
        let structured = Catalogue.structuredSpecs.count
        #expect(specs.dropLast(structured).map(\.name) == ["mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy_with_logits", "cross_entropy"])
        #expect(specs.suffix(structured).map(\.name) == ["cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
                                                         "triplet_margin_loss", "contrastive_loss", "ntxent_loss", "ctc_loss"])
        for (offset, type) in Catalogue.embedding.enumerated() {
            let id = specs.count - structured + offset
            #expect(try Catalogue.embeddingLoss(id: id).spec.name == type.spec.name && specs[id].kind == .embedding)
        }
        for (id, type) in Catalogue.elementwise.enumerated() {
            #expect(specs[id].name == type.spec.name && specs[id].kind == .elementwise)
            #expect(try Catalogue.elementwiseLoss(id: id).spec.name == type.spec.name)
        }
        #expect(specs.dropLast(structured).last?.kind == .crossEntropy)
    }

    @Test func defaultsAreInRange() {
        for spec in Catalogue.specs {
            #expect(throws: Never.self, "\(spec.name)") { try spec.validate(spec.parameters.map(\.defaultValue)) }
            #expect(!spec.formula.isEmpty && !spec.derivatives.isEmpty, "\(spec.name)")
        }
    }

    @Test func jsonParsesIntoTheSpecs() throws {
        let document = try parse(Catalogue.json(version: "9.8.7"))
        #expect(document["version"] as? String == "9.8.7")
        let losses = try #require(document["losses"] as? [[String: Any]])
        #expect(losses.count == Catalogue.specs.count)
        for (id, (entry, spec)) in zip(losses, Catalogue.specs).enumerated() {
            #expect(entry["id"] as? Int == id)
            #expect(entry["name"] as? String == spec.name)
            #expect(entry["kind"] as? String == spec.kind.rawValue)
            #expect(entry["formula"] as? String == spec.formula)
            #expect(entry["derivatives"] as? String == spec.derivatives)
            if let column = spec.columnParameter {
                #expect(entry["column_parameter"] as? String == column)
            } else {
                #expect(entry["column_parameter"] is NSNull, "\(spec.name)")
            }
            let parameters = try #require(entry["parameters"] as? [[String: Any]])
            #expect(parameters.count == spec.parameters.count)
            for (json, p) in zip(parameters, spec.parameters) {
                #expect(json["name"] as? String == p.name)
                #expect((json["default"] as? NSNumber)?.doubleValue == p.defaultValue)
                #expect(bound(json["lower"], null: -.infinity) == p.lower, "\(p.name)")
                #expect(bound(json["upper"], null: .infinity) == p.upper, "\(p.name)")
                #expect(json["lower_inclusive"] as? Bool == p.lowerInclusive)
                #expect(json["upper_inclusive"] as? Bool == p.upperInclusive)
            }
        }
        let bce = try #require(losses.first { $0["name"] as? String == "binary_cross_entropy_with_logits" })
        #expect(bce["column_parameter"] as? String == "pos_weight")
        let huber = try #require(losses.first { $0["name"] as? String == "huber_loss" })
        let delta = try #require((huber["parameters"] as? [[String: Any]])?.first)
        #expect(delta["lower"] as? Double == 0 && delta["upper"] is NSNull)
    }

    /// Quotes, backslashes and newlines in strings are escaped.
    @Test func jsonEscapesStrings() throws {
        let version = "1\"2\\3\n4"
        #expect(try parse(Catalogue.json(version: version))["version"] as? String == version)
    }

    func parse(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    /// A range bound: a number, or null, the catalogue's spelling of the infinite bound.
    func bound(_ value: Any?, null infinity: Double) -> Double? {
        value is NSNull ? infinity : (value as? NSNumber)?.doubleValue
    }
}
