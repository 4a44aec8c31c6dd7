/**
 * Known vendors of medical devices and of the software stacks they run.
 *
 * One entry per manufacturer *as correlation needs it*: names that denote
 * the same company, its renamed self or the brand it bought and still sells
 * under (Toshiba Medical → Canon Medical, CareFusion/Alaris → BD, Hospira and
 * Smiths Medical → ICU Medical, Hillrom/Welch Allyn → Baxter, St. Jude
 * Medical → Abbott) share one id, because advisories name whichever owner
 * was current when they were written. Brands that advisories still treat as
 * their own vendor (Mortara, Capsule) keep their own id.
 *
 * `names` are matched after normalisation (see vendors.ts `vendorKey`:
 * lower case, accents folded, punctuation and corporate suffixes dropped),
 * so "G.E. Medical Systems", "GE MEDICAL SYSTEMS" and "GE HealthCare" are
 * all covered by 'ge medical systems' / 'ge healthcare'. `prefixes` also
 * match a name that starts with them as whole words ("Siemens AG Medical
 * Solutions" → 'siemens'); only distinctive words are prefixes — never a
 * short or generic one that another company could start with.
 */

export interface VendorEntry {
  id: string;
  display: string;
  /** Normalised full names (exact match). */
  names: string[];
  /** Normalised leading words (whole-word prefix match). */
  prefixes?: string[];
}

export const VENDORS: VendorEntry[] = [
  // --- imaging modality manufacturers
  {
    id: 'ge-healthcare',
    display: 'GE HealthCare',
    names: ['ge', 'gems', 'gehc', 'general electric', 'ge healthcare', 'ge medical systems', 'ge medical', 'ge vingmed ultrasound', 'ge ultrasound', 'kretztechnik'],
    prefixes: ['ge', 'general electric'],
  },
  {
    id: 'siemens-healthineers',
    display: 'Siemens Healthineers',
    names: ['siemens', 'siemens healthineers', 'siemens healthcare', 'siemens medical solutions', 'siemens medical'],
    prefixes: ['siemens'],
  },
  {
    id: 'philips',
    display: 'Philips',
    // 'phillips' is the spelling two ICSMA advisories use; exact only, so
    // "Phillips 66" stays someone else.
    names: ['philips', 'phillips', 'koninklijke philips', 'philips healthcare', 'philips medical systems', 'philips patient monitoring', 'royal philips'],
    prefixes: ['philips', 'koninklijke philips'],
  },
  {
    id: 'canon-medical',
    display: 'Canon Medical Systems',
    names: ['toshiba', 'toshiba mec', 'toshiba medical', 'toshiba medical systems', 'canon medical', 'canon medical systems'],
    prefixes: ['toshiba medical', 'toshiba mec', 'canon medical'],
  },
  { id: 'agfa', display: 'Agfa HealthCare', names: ['agfa', 'agfa gevaert', 'agfa healthcare'], prefixes: ['agfa'] },
  { id: 'fujifilm', display: 'Fujifilm', names: ['fujifilm', 'fuji', 'fuji photo film', 'fujifilm medical systems', 'fujifilm healthcare'], prefixes: ['fujifilm'] },
  { id: 'carestream', display: 'Carestream Health', names: ['carestream', 'carestream health'], prefixes: ['carestream'] },
  { id: 'hologic', display: 'Hologic', names: ['hologic'], prefixes: ['hologic'] },
  { id: 'konica-minolta', display: 'Konica Minolta', names: ['konica minolta', 'konica'], prefixes: ['konica minolta'] },
  { id: 'varian', display: 'Varian', names: ['varian', 'varian medical systems'], prefixes: ['varian'] },
  { id: 'elekta', display: 'Elekta', names: ['elekta'], prefixes: ['elekta'] },
  { id: 'shimadzu', display: 'Shimadzu', names: ['shimadzu'], prefixes: ['shimadzu'] },
  { id: 'samsung-medison', display: 'Samsung Medison', names: ['samsung medison', 'medison'], prefixes: ['samsung medison'] },
  { id: 'esaote', display: 'Esaote', names: ['esaote'], prefixes: ['esaote'] },
  { id: 'sectra', display: 'Sectra', names: ['sectra'], prefixes: ['sectra'] },
  { id: 'merge', display: 'Merge Healthcare', names: ['merge', 'merge healthcare', 'merge technologies'], prefixes: ['merge healthcare', 'merge technologies'] },
  { id: 'change-healthcare', display: 'Change Healthcare', names: ['change healthcare', 'mckesson'], prefixes: ['change healthcare'] },

  // --- patient care devices
  { id: 'medtronic', display: 'Medtronic', names: ['medtronic'], prefixes: ['medtronic'] },
  {
    id: 'baxter',
    display: 'Baxter',
    names: ['baxter', 'baxter international', 'baxter healthcare', 'hillrom', 'hill rom', 'welch allyn'],
    prefixes: ['baxter', 'hillrom', 'hill rom', 'welch allyn'],
  },
  {
    id: 'bd',
    display: 'BD',
    names: ['bd', 'becton dickinson', 'becton dickinson and', 'carefusion', 'alaris', 'cardinal health alaris'],
    prefixes: ['becton dickinson', 'carefusion'],
  },
  {
    id: 'icu-medical',
    display: 'ICU Medical',
    names: ['icu medical', 'hospira', 'smiths medical'],
    prefixes: ['icu medical', 'hospira', 'smiths medical'],
  },
  { id: 'b-braun', display: 'B. Braun', names: ['b braun', 'b braun medical', 'b braun melsungen', 'braun melsungen'], prefixes: ['b braun'] },
  { id: 'draeger', display: 'Dräger', names: ['drager', 'draeger', 'dragerwerk', 'draegerwerk', 'drager medical', 'draeger medical'], prefixes: ['drager', 'draeger', 'dragerwerk', 'draegerwerk'] },
  { id: 'mindray', display: 'Mindray', names: ['mindray', 'shenzhen mindray', 'shenzhen mindray bio medical electronics'], prefixes: ['mindray', 'shenzhen mindray'] },
  { id: 'nihon-kohden', display: 'Nihon Kohden', names: ['nihon kohden'], prefixes: ['nihon kohden'] },
  { id: 'spacelabs', display: 'Spacelabs Healthcare', names: ['spacelabs', 'spacelabs medical', 'spacelabs healthcare'], prefixes: ['spacelabs'] },
  { id: 'stryker', display: 'Stryker', names: ['stryker'], prefixes: ['stryker'] },
  { id: 'zoll', display: 'ZOLL Medical', names: ['zoll', 'zoll medical'], prefixes: ['zoll'] },
  { id: 'natus', display: 'Natus Medical', names: ['natus', 'natus medical'], prefixes: ['natus'] },
  { id: 'mortara', display: 'Mortara Instrument', names: ['mortara', 'mortara instrument'], prefixes: ['mortara'] },
  { id: 'hamilton-medical', display: 'Hamilton Medical', names: ['hamilton medical'], prefixes: ['hamilton medical'] },
  { id: 'fresenius-kabi', display: 'Fresenius Kabi', names: ['fresenius kabi'], prefixes: ['fresenius kabi'] },
  { id: 'boston-scientific', display: 'Boston Scientific', names: ['boston scientific'], prefixes: ['boston scientific'] },
  { id: 'biotronik', display: 'BIOTRONIK', names: ['biotronik'], prefixes: ['biotronik'] },
  // St. Jude Medical's implantables are named under Abbott in later advisories.
  { id: 'abbott', display: 'Abbott', names: ['abbott', 'abbott laboratories', 'st jude medical', 'saint jude medical'], prefixes: ['abbott', 'st jude medical'] },
  { id: 'roche', display: 'Roche Diagnostics', names: ['roche', 'roche diagnostics', 'hoffmann la roche', 'f hoffmann la roche'], prefixes: ['roche'] },
  { id: 'beckman-coulter', display: 'Beckman Coulter', names: ['beckman coulter'], prefixes: ['beckman coulter'] },
  { id: 'vyaire', display: 'Vyaire Medical', names: ['vyaire', 'vyaire medical'], prefixes: ['vyaire'] },
  { id: 'alivecor', display: 'AliveCor', names: ['alivecor'], prefixes: ['alivecor'] },
  { id: 'bmc-medical', display: 'BMC Medical', names: ['bmc medical', '3b medical'], prefixes: ['bmc medical'] },
  { id: 'bpl-medical', display: 'BPL Medical Technologies', names: ['bpl medical technologies', 'bpl medical'], prefixes: ['bpl medical'] },
  { id: 'beaconmedaes', display: 'BeaconMedaes', names: ['beaconmedaes'], prefixes: ['beaconmedaes'] },
  { id: 'contec', display: 'Contec Medical Systems', names: ['contec', 'contec health', 'contec medical systems'], prefixes: ['contec'] },
  { id: 'innokas', display: 'Innokas Yhtymä', names: ['innokas', 'innokas yhtyma', 'innokas medical'], prefixes: ['innokas'] },
  { id: 'sooil', display: 'SOOIL Developments', names: ['sooil', 'sooil developments'], prefixes: ['sooil'] },
  { id: 'i-sens', display: 'i-SENS', names: ['i sens', 'isens'], prefixes: ['i sens'] },
  { id: 'illumina', display: 'Illumina', names: ['illumina'], prefixes: ['illumina'] },
  { id: 'swisslog', display: 'Swisslog Healthcare', names: ['swisslog', 'swisslog healthcare'], prefixes: ['swisslog'] },
  { id: 'capsule', display: 'Capsule Technologies', names: ['capsule', 'capsule technologies', 'capsule tech', 'qualcomm life'], prefixes: ['capsule technologies', 'qualcomm life'] },
  { id: 'silex', display: 'Silex Technology', names: ['silex', 'silex technology'], prefixes: ['silex technology'] },

  // --- clinical software, interface engines, EHRs
  { id: 'oracle-health', display: 'Oracle Health (Cerner)', names: ['cerner', 'oracle health', 'oracle cerner'], prefixes: ['cerner', 'oracle health'] },
  { id: 'epic', display: 'Epic Systems', names: ['epic', 'epic systems'], prefixes: ['epic systems'] },
  { id: 'orion-health', display: 'Orion Health', names: ['orion', 'orion health'], prefixes: ['orion health'] },
  { id: 'nextgen', display: 'NextGen Healthcare', names: ['nextgen', 'nextgen healthcare', 'mirth'], prefixes: ['nextgen healthcare', 'mirth'] },
  { id: 'infor', display: 'Infor', names: ['infor'], prefixes: ['infor'] },
  { id: 'intersystems', display: 'InterSystems', names: ['intersystems'], prefixes: ['intersystems'] },
  { id: 'lifepoint-informatics', display: 'LifePoint Informatics', names: ['lifepoint informatics', 'lifepoint'], prefixes: ['lifepoint informatics'] },
  { id: 'openclinic-ga', display: 'OpenClinic GA', names: ['openclinic ga', 'openclinic'], prefixes: ['openclinic'] },
  { id: 'santesoft', display: 'Santesoft', names: ['santesoft'], prefixes: ['santesoft'] },
  { id: 'softneta', display: 'Softneta', names: ['softneta'], prefixes: ['softneta'] },
  { id: 'microdicom', display: 'MicroDicom', names: ['microdicom'], prefixes: ['microdicom'] },
  { id: 'orthanc', display: 'Orthanc', names: ['orthanc', 'osimis'], prefixes: ['orthanc'] },

  // --- DICOM toolkits (the vendor a CPE names)
  { id: 'offis', display: 'OFFIS', names: ['offis', 'kuratorium offis', 'offis dcmtk', 'dcmtk'], prefixes: ['offis', 'kuratorium offis'] },
  { id: 'gdcm', display: 'GDCM', names: ['gdcm', 'grassroots dicom'], prefixes: ['gdcm'] },
  { id: 'dcm4che', display: 'dcm4che', names: ['dcm4che'], prefixes: ['dcm4che'] },
  { id: 'pydicom', display: 'pydicom', names: ['pydicom', 'pynetdicom'], prefixes: ['pydicom'] },
  { id: 'fo-dicom', display: 'fo-dicom', names: ['fo dicom', 'fellow oak dicom'], prefixes: ['fellow oak'] },
  { id: 'pixelmed', display: 'PixelMed Publishing', names: ['pixelmed', 'pixelmed publishing', 'dicom3tools'], prefixes: ['pixelmed'] },
  { id: 'pixmeo', display: 'Pixmeo (OsiriX)', names: ['pixmeo', 'osirix'], prefixes: ['pixmeo'] },

  // --- embedded software named in ICSMA advisories (URGENT/11 and others)
  { id: 'wind-river', display: 'Wind River', names: ['wind river', 'wind river systems'], prefixes: ['wind river'] },
  { id: 'enea', display: 'ENEA', names: ['enea'], prefixes: ['enea'] },
  { id: 'green-hills', display: 'Green Hills Software', names: ['green hills software', 'green hills'], prefixes: ['green hills'] },
  { id: 'itron', display: 'ITRON', names: ['itron'], prefixes: ['itron'] },
  { id: 'ip-infusion', display: 'IP Infusion', names: ['ip infusion'], prefixes: ['ip infusion'] },
];

/**
 * Names that look like a vendor above but are someone else. Checked first,
 * on the normalised key.
 */
export const NOT_VENDORS: string[] = ['phillips 66', 'phillips petroleum', 'braun', 'ge aviation', 'ge aerospace', 'ge vernova', 'siemens energy', 'siemens mobility'];
