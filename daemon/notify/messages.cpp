#include "notify/messages.h"

#include <ctime>
#include <map>

#include <nlohmann/json.hpp>

#include "common/clock.h"

#include <fmt/format.h>

namespace alur::notify {
namespace {

// Leases listed in one mail; the rest are on the status page and in `alur-relay status`.
constexpr std::size_t kMaxListed = 200;

std::string signature(const Sender& sender) {
  std::string out = "\n-- \nalur-relay " + sender.version + " sur " + sender.host;
  if (!sender.company.empty()) {
    out += ", pour " + sender.company + " (SIRET " + sender.siret + ")";
  }
  out += "\n";
  if (!sender.status_url.empty()) {
    out += "État du service : " + sender.status_url + "\n";
  }
  return out;
}

std::string plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n > 1 ? many : one);
}

std::string whatToDoWithRejected() {
  return "Corrigez ces logements dans votre logiciel de gestion. Au prochain export, "
         "alur-relay voit la correction et renvoie le bail tout seul ; rien d'autre à faire.\n";
}

}  // namespace

std::string frenchTime(const std::string& iso_utc) {
  if (iso_utc.empty()) {
    return "(date inconnue)";
  }
  std::tm local = localParts(std::chrono::system_clock::to_time_t(parseUtc(iso_utc)));
  return fmt::format("{:02}/{:02}/{} à {:02}:{:02}", local.tm_mday, local.tm_mon + 1,
                     local.tm_year + 1900, local.tm_hour, local.tm_min);
}

std::string addressOf(const std::string& record_json) {
  auto record = nlohmann::json::parse(record_json, nullptr, false);
  if (record.is_discarded() || !record.contains("address") || !record["address"].is_object()) {
    return "";
  }
  const auto& a = record["address"];
  std::string street;
  for (const char* part : {"street_number", "repetition", "street_type", "street_name"}) {
    std::string value = a.value(part, "");
    if (!value.empty()) {
      street += (street.empty() ? "" : " ") + value;
    }
  }
  std::string city = a.value("postal_code", "");
  std::string name = a.value("city", "");
  if (!name.empty()) {
    city += (city.empty() ? "" : " ") + name;
  }
  if (street.empty()) {
    return city;
  }
  return city.empty() ? street : street + ", " + city;
}

MailText certificateMail(const Sender& sender, const store::BatchEvent& batch, int integrated,
                         int rejected, const std::string& attachment_name) {
  MailText m;
  m.subject = "Certificat de transmission CLAMEUR – fichier " + batch.file_name;
  m.body = "Bonjour,\n\n";
  m.body += "L'observatoire CLAMEUR a délivré le certificat de transmission du fichier " +
            batch.file_name + " (" + plural(batch.lease_count, "bail", "baux") + "), le " +
            frenchTime(batch.at) + ".\n\n";
  if (integrated + rejected == 0) {
    m.body +=
        "Le rapport d'intégration n'est pas encore arrivé ; les baux à corriger, s'il y "
        "en a, vous parviendront dans un message séparé.\n";
  } else {
    m.body += "Résultat de l'intégration : " + plural(integrated, "bail intégré", "baux intégrés") +
              ", " + plural(rejected, "bail à corriger", "baux à corriger") + ".\n";
  }
  if (rejected > 0) {
    m.body += "La liste des baux à corriger vous parvient dans un message séparé.\n";
  }
  m.body += "\nLe certificat est joint à ce message (" + attachment_name +
            "). Conservez-le : il atteste que votre agence a transmis les données de ses baux "
            "à l'observatoire, comme la loi ALUR le demande.\n";
  m.body += "Une copie reste archivée sur le serveur : " + batch.certificate_path + "\n";
  m.body += signature(sender);
  return m;
}

MailText rejectedLeasesMail(const Sender& sender, const store::BatchEvent& batch,
                            const std::vector<store::RejectedLine>& rejected) {
  MailText m;
  const int count = static_cast<int>(rejected.size());
  m.subject = "Baux à corriger : " + plural(count, "logement refusé", "logements refusés") +
              " par l'observatoire (fichier " + batch.file_name + ")";
  m.body = "Bonjour,\n\n";
  m.body += "Le rapport d'intégration du fichier " + batch.file_name + " (reçu le " +
            frenchTime(batch.at) + ") refuse " + plural(count, "logement", "logements") + " :\n\n";
  std::size_t listed = 0;
  for (const auto& line : rejected) {
    if (listed++ == kMaxListed) {
      m.body += "… et " + std::to_string(rejected.size() - kMaxListed) +
                " autres, visibles sur la page d'état du service.\n";
      break;
    }
    std::string address = addressOf(line.record_json);
    m.body += "- Logement " + line.dwelling_id + (address.empty() ? "" : ", " + address) +
              "\n  Motif donné par l'observatoire : " +
              (line.reason.empty() ? "(aucun motif donné)" : line.reason) + "\n";
  }
  m.body += "\n" + whatToDoWithRejected();
  m.body += signature(sender);
  return m;
}

MailText invalidLeasesMail(const Sender& sender, const std::vector<status::LeaseToCorrect>& listed,
                           int total) {
  MailText m;
  m.subject =
      "Baux à compléter : " + plural(total, "logement non envoyé", "logements non envoyés") +
      " à l'observatoire";
  m.body = "Bonjour,\n\n";
  m.body += plural(total, "logement n'est pas envoyé", "logements ne sont pas envoyés") +
            " à l'observatoire, car l'export ne donne pas toutes les données que la loi "
            "demande :\n\n";
  for (const auto& lease : listed) {
    m.body += "- " + lease.message + "\n";
  }
  if (static_cast<int>(listed.size()) < total) {
    m.body += "… et " + std::to_string(total - static_cast<int>(listed.size())) +
              " autres, visibles sur la page d'état du service.\n";
  }
  m.body +=
      "\nComplétez ces logements dans votre logiciel de gestion ; ils partiront au "
      "prochain export. Ce message revient seulement quand un nouveau logement est à "
      "compléter.\n";
  m.body += signature(sender);
  return m;
}

MailText batchRejectedMail(const Sender& sender, const store::BatchEvent& batch) {
  MailText m;
  m.subject = "Fichier refusé par l'observatoire CLAMEUR : " + batch.file_name;
  m.body = "Bonjour,\n\n";
  m.body += "L'observatoire a refusé le fichier " + batch.file_name + " en entier (" +
            plural(batch.lease_count, "bail", "baux") + "), le " + frenchTime(batch.at) +
            ".\nMotif : " + batch.last_error + "\n\n";
  m.body +=
      "Aucun bail de ce fichier n'est enregistré. Une fois la cause corrigée (souvent "
      "le numéro SIRET ou de carte professionnelle dans la configuration), l'administrateur "
      "du serveur lance « alur-relay resend » : les baux repartent dans un nouveau "
      "fichier.\n";
  m.body += signature(sender);
  return m;
}

MailText uploadFailingMail(const Sender& sender, const store::UploadOutage& outage) {
  MailText m;
  m.subject =
      "alur-relay : les envois vers l'observatoire échouent depuis le " + frenchTime(outage.since);
  m.body = "Bonjour,\n\n";
  m.body += "Depuis le " + frenchTime(outage.since) + ", alur-relay n'arrive pas à déposer le " +
            "fichier " + outage.batch + " sur la plateforme de l'observatoire (" +
            plural(outage.attempts, "tentative", "tentatives") + ").\n";
  m.body += "Dernière erreur : " + outage.last_error + "\n\n";
  if (outage.needs_operator) {
    m.body +=
        "Cette erreur ne se corrige pas seule : le service a arrêté d'essayer. Corrigez "
        "la cause (mot de passe, droits sur le serveur, certificat), puis lancez "
        "« alur-relay resend » sur le serveur.\n";
  } else {
    m.body +=
        "Le service réessaie tout seul, de plus en plus espacé (au plus une fois par "
        "heure). Vérifiez l'accès réseau du serveur vers la plateforme. Aucun bail n'est "
        "perdu : tout part dès que la plateforme répond.\n";
  }
  m.body +=
      "Vous recevrez un message quand les envois fonctionneront de nouveau ; pas d'autre "
      "message d'ici là.\n";
  m.body += signature(sender);
  return m;
}

MailText uploadRecoveredMail(const Sender& sender, const std::string& failing_since,
                             std::chrono::system_clock::time_point now) {
  MailText m;
  m.subject = "alur-relay : les envois vers l'observatoire fonctionnent de nouveau";
  m.body = "Bonjour,\n\n";
  m.body += "Les envois, en échec depuis le " + frenchTime(failing_since) +
            ", fonctionnent de nouveau depuis le " + frenchTime(formatUtc(now)) +
            ". Les fichiers en attente sont partis ; rien n'est à faire.\n";
  m.body += signature(sender);
  return m;
}

MailText summaryMail(const Sender& sender, const status::StatusFacts& facts, bool weekly,
                     const std::string& day) {
  static const std::map<std::string, std::string> kStateWords = {
      {"pending", "en attente d'envoi"},
      {"batched", "dans un fichier prêt à partir"},
      {"uploaded", "déposés, en attente de l'accusé de réception"},
      {"acknowledged", "reçus, en attente du rapport d'intégration"},
      {"integrated", "intégrés par l'observatoire"},
      {"rejected", "refusés par l'observatoire, à corriger"},
      {"invalid", "incomplets dans l'export, à corriger"},
      {"out_of_scope", "hors du champ de la loi (non envoyés)"}};
  MailText m;
  m.subject =
      std::string("alur-relay : point ") + (weekly ? "hebdomadaire" : "quotidien") + " du " + day;
  m.body = "Bonjour,\n\nBaux connus du service :\n";
  for (const auto& [state, count] : facts.leases_by_state) {
    auto words = kStateWords.find(state);
    m.body += "- " + std::to_string(count) + " " +
              (words == kStateWords.end() ? state : words->second) + "\n";
  }
  if (facts.last_import) {
    m.body += "\nDernier export lu : " + facts.last_import->path + ", le " +
              frenchTime(facts.last_import->imported_at) + ".\n";
  } else {
    m.body += "\nAucun export lu pour l'instant.\n";
  }
  if (facts.last_upload) {
    m.body += "Dernier envoi : " + facts.last_upload->batch + ", le " +
              frenchTime(facts.last_upload->at) +
              (facts.last_upload->result == "ok" ? ", réussi.\n" : ", en échec.\n");
  }
  if (!facts.certificates.empty()) {
    m.body += "Certificats reçus : " + std::to_string(facts.certificates.size()) +
              " (le plus récent : " + facts.certificates.front().first + ").\n";
  }
  if (facts.failing.empty()) {
    m.body += "\nTout fonctionne.\n";
  } else {
    m.body += "\nCe qui ne fonctionne pas :\n";
    for (const auto& failure : facts.failing) {
      m.body += "- " + failure.part + " : " + failure.error + "\n";
    }
  }
  m.body += signature(sender);
  return m;
}

MailText testMail(const Sender& sender, const std::vector<std::string>& to,
                  const std::vector<std::string>& alerts_to) {
  auto join = [](const std::vector<std::string>& list) {
    std::string out;
    for (const auto& item : list) {
      out += (out.empty() ? "" : ", ") + item;
    }
    return out;
  };
  MailText m;
  m.subject = "alur-relay : message d'essai – la messagerie fonctionne";
  m.body = "Bonjour,\n\n";
  m.body +=
      "Ce message d'essai confirme que alur-relay peut vous écrire depuis " + sender.host + ".\n\n";
  m.body += "Certificats de transmission et baux à corriger : " + join(to) + "\n";
  m.body += "Alertes (envois en échec, puis rétablis) : " + join(alerts_to) + "\n";
  m.body += signature(sender);
  return m;
}

}  // namespace alur::notify
