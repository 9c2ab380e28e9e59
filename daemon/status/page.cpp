#include "status/page.h"

#include <map>
#include <sstream>

namespace alur::status {
namespace {

constexpr const char* kStyle = R"css(
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem;
       color: #1b1b1b; background: #fafafa; line-height: 1.4; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem 1rem; }
.ok { color: #146c2e; } .bad { color: #a4161a; font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
th, td { text-align: left; padding: 0.3rem 0.4rem; border-bottom: 1px solid #eee;
         vertical-align: top; overflow-wrap: anywhere; }
code { font-size: 0.9em; }
)css";

std::string leaseStateWords(const std::string& state) {
  static const std::map<std::string, std::string> words = {
      {"pending", "en attente du prochain envoi"},
      {"batched", "dans un lot pas encore déposé"},
      {"uploaded", "déposés, en attente de l'accusé de réception"},
      {"acknowledged", "reçus, en attente du rapport d'intégration"},
      {"integrated", "intégrés par l'observatoire"},
      {"rejected", "refusés par la plateforme (à corriger)"},
      {"invalid", "invalides (à corriger dans le logiciel de gestion)"},
      {"out_of_scope", "hors champ (jamais envoyés)"},
  };
  auto it = words.find(state);
  return it == words.end() ? "dans l'état " + state : it->second;
}

std::string batchStateWords(const std::string& state) {
  static const std::map<std::string, std::string> words = {
      {"built", "prêt à déposer"},
      {"uploading", "dépôt en cours"},
      {"uploaded", "déposé"},
      {"acknowledged", "accusé de réception reçu"},
      {"reported", "rapport d'intégration reçu"},
      {"certified", "attestation reçue"},
      {"failed", "en échec"},
  };
  auto it = words.find(state);
  return it == words.end() ? state : it->second;
}

std::string partWords(const std::string& part) {
  if (part == "upload") {
    return "Dépôt des fichiers";
  }
  if (part == "receipts") {
    return "Retours de la plateforme";
  }
  if (part == "disk") {
    return "Espace disque";
  }
  if (part == "email") {
    return "Envoi des e-mails";
  }
  return part;
}

void writeService(std::ostringstream& out, const StatusFacts& facts) {
  out << "<section><h2>Service</h2><p>";
  if (facts.running) {
    out << "<span class=\"ok\">En marche</span> depuis " << escapeHtml(facts.started_at);
  } else {
    out << "<span class=\"bad\">Arrêté</span>";
  }
  out << " (version " << escapeHtml(facts.version) << ").</p>";
  for (const auto& failure : facts.failing) {
    out << "<p class=\"bad\">" << escapeHtml(partWords(failure.part)) << " en échec";
    if (!failure.since.empty()) {
      out << " depuis " << escapeHtml(failure.since);
    }
    out << " : " << escapeHtml(failure.error) << "</p>";
  }
  out << "<p>Dernier export lu : ";
  if (facts.last_import) {
    const ImportFacts& i = *facts.last_import;
    out << "<code>" << escapeHtml(i.path) << "</code> le " << escapeHtml(i.imported_at) << ", "
        << i.rows << " baux (" << i.valid << " valides, " << i.invalid << " invalides, "
        << i.out_of_scope << " hors champ ; " << i.new_leases << " nouveaux, " << i.changed
        << " modifiés, " << i.unchanged << " inchangés).";
  } else {
    out << "aucun pour l'instant.";
  }
  out << "</p></section>\n";
}

void writeLeases(std::ostringstream& out, const StatusFacts& facts) {
  int total = 0;
  for (const auto& [state, count] : facts.leases_by_state) {
    total += count;
  }
  out << "<section><h2>Baux : " << total << "</h2><ul>";
  for (const auto& [state, count] : facts.leases_by_state) {
    out << "<li>" << count << " " << escapeHtml(leaseStateWords(state)) << "</li>";
  }
  out << "</ul></section>\n";
}

void writeCertificates(std::ostringstream& out, const StatusFacts& facts) {
  out << "<section><h2>Attestations de transmission</h2>";
  if (facts.certificates.empty()) {
    out << "<p>Aucune pour l'instant.</p>";
  } else {
    out << "<ul>";
    for (const auto& [batch, path] : facts.certificates) {
      out << "<li><a href=\"/certificates/" << escapeHtml(batch) << "\">" << escapeHtml(batch)
          << "</a></li>";
    }
    out << "</ul>";
  }
  out << "</section>\n";
}

void writeToCorrect(std::ostringstream& out, const StatusFacts& facts) {
  out << "<section><h2>Baux à corriger</h2>";
  if (facts.leases_to_correct.empty()) {
    out << "<p>Aucun.</p></section>\n";
    return;
  }
  out << "<table><thead><tr><th>Logement</th><th>Motif</th></tr></thead><tbody>";
  for (const auto& lease : facts.leases_to_correct) {
    out << "<tr><td class=\"dwelling\">" << escapeHtml(lease.dwelling_id) << "</td><td>"
        << escapeHtml(lease.message) << "</td></tr>";
  }
  out << "</tbody></table>";
  if (facts.leases_to_correct.size() == kMaxLeasesToCorrect) {
    out << "<p>Seuls les " << kMaxLeasesToCorrect << " premiers sont affichés.</p>";
  }
  out << "</section>\n";
}

void writeBatches(std::ostringstream& out, const StatusFacts& facts) {
  out << "<section><h2>Derniers envois</h2>";
  if (facts.batches.empty()) {
    out << "<p>Aucun pour l'instant.</p></section>\n";
    return;
  }
  out << "<table><thead><tr><th>Fichier</th><th>État</th><th>Baux</th><th>Créé le</th>"
         "</tr></thead><tbody>";
  for (const auto& batch : facts.batches) {
    out << "<tr><td>" << escapeHtml(batch.file_name) << "</td><td>"
        << escapeHtml(batchStateWords(batch.state));
    if (batch.state != "certified" && !batch.last_error.empty()) {
      out << "<br><small>" << escapeHtml(batch.last_error) << "</small>";
    }
    out << "</td><td>" << batch.lease_count << "</td><td>" << escapeHtml(batch.created_at)
        << "</td></tr>";
  }
  out << "</tbody></table></section>\n";
}

}  // namespace

std::string escapeHtml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string renderPage(const StatusFacts& facts) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>alur-relay : état des envois</title><style>"
      << kStyle << "</style></head><body>\n<h1>Envois des baux à l'observatoire des loyers</h1>\n"
      << "<p>État au " << escapeHtml(facts.now) << " (heure UTC).</p>\n";
  writeService(out, facts);
  writeLeases(out, facts);
  writeCertificates(out, facts);
  writeToCorrect(out, facts);
  writeBatches(out, facts);
  out << "</body></html>\n";
  return out.str();
}

}  // namespace alur::status
