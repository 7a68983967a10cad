// Human labels for the data set's category codes ("Feedr", "CulDSac", "GLQ" …), the one place
// they are written. The API, the CSV and the model keep the codes; the dashboard shows these.
// Meanings follow De Cock's Ames data documentation. Browser-safe.

/** Codes that mean the same in every field that uses them. */
const SHARED: Record<string, string> = {
  // Exterior and veneer materials
  AsbShng: "Asbestos shingles",
  AsphShn: "Asphalt shingles",
  BrkComm: "Common brick",
  "Brk Cmn": "Common brick",
  BrkCmn: "Common brick",
  BrkFace: "Face brick",
  CBlock: "Cinder block",
  CemntBd: "Cement board",
  CmentBd: "Cement board",
  HdBoard: "Hardboard",
  ImStucc: "Imitation stucco",
  MetalSd: "Metal siding",
  PreCast: "Precast concrete",
  VinylSd: "Vinyl siding",
  "Wd Sdng": "Wood siding",
  WdShing: "Wood shingles",
  "Wd Shng": "Wood shingles",
  // Basement and garage finish
  Unf: "Unfinished",
  GLQ: "Good living quarters",
  ALQ: "Average living quarters",
  BLQ: "Below-average living quarters",
  Rec: "Recreation room",
  LwQ: "Low-quality living quarters",
  RFn: "Rough finished",
  Fin: "Finished",
};

/** Codes whose meaning depends on the field (or that only one field uses). */
const BY_FIELD: Record<string, Record<string, string>> = {
  MS_Zoning: {
    A_agr: "Agriculture",
    C_all: "Commercial",
    I_all: "Industrial",
  },
  Condition_1: proximityLabels(),
  Condition_2: proximityLabels(),
  Functional: {
    Typ: "Typical",
    Min1: "Minor deductions (1)",
    Min2: "Minor deductions (2)",
    Mod: "Moderate deductions",
    Maj1: "Major deductions (1)",
    Maj2: "Major deductions (2)",
    Sev: "Severely damaged",
    Sal: "Salvage only",
  },
  MS_SubClass: {
    Duplex_All_Styles_and_Ages: "Duplex, any style or age",
    One_Story_1945_and_Older: "One storey, built 1945 or earlier",
    One_Story_1946_and_Newer_All_Styles: "One storey, built 1946 or later",
    One_Story_PUD_1946_and_Newer: "One storey in a planned development, 1946 or later",
    One_Story_with_Finished_Attic_All_Ages: "One storey with a finished attic",
    One_and_Half_Story_Finished_All_Ages: "One and a half storeys, finished",
    One_and_Half_Story_PUD_All_Ages: "One and a half storeys in a planned development",
    One_and_Half_Story_Unfinished_All_Ages: "One and a half storeys, unfinished",
    PUD_Multilevel_Split_Level_Foyer: "Split level or foyer in a planned development",
    Split_Foyer: "Split foyer",
    Split_or_Multilevel: "Split level or multilevel",
    Two_Family_conversion_All_Styles_and_Ages: "Two-family conversion",
    Two_Story_1945_and_Older: "Two storeys, built 1945 or earlier",
    Two_Story_1946_and_Newer: "Two storeys, built 1946 or later",
    Two_Story_PUD_1946_and_Newer: "Two storeys in a planned development, 1946 or later",
    Two_and_Half_Story_All_Ages: "Two and a half storeys",
  },
  Bldg_Type: {
    OneFam: "Single-family detached",
    TwoFmCon: "Two-family conversion",
    Duplex: "Duplex",
    TwnhsE: "Townhouse, end unit",
    Twnhs: "Townhouse, inside unit",
  },
  House_Style: {
    One_Story: "One storey",
    One_and_Half_Fin: "One and a half storeys, upper level finished",
    One_and_Half_Unf: "One and a half storeys, upper level unfinished",
    Two_Story: "Two storeys",
    Two_and_Half_Fin: "Two and a half storeys, upper level finished",
    Two_and_Half_Unf: "Two and a half storeys, upper level unfinished",
    SFoyer: "Split foyer",
    SLvl: "Split level",
  },
  Foundation: {
    BrkTil: "Brick and tile",
    PConc: "Poured concrete",
    Slab: "Slab",
    Stone: "Stone",
    Wood: "Wood",
  },
  Heating: {
    Floor: "Floor furnace",
    GasA: "Gas forced warm air",
    GasW: "Gas hot water or steam",
    Grav: "Gravity furnace",
    OthW: "Other hot water or steam",
    Wall: "Wall furnace",
  },
  Central_Air: { N: "No", Y: "Yes" },
  Electrical: {
    SBrkr: "Circuit breakers",
    FuseA: "Fuse box, 60 A or more (average)",
    FuseF: "Fuse box, 60 A (fair)",
    FuseP: "Fuse box, knob-and-tube wiring (poor)",
    Mix: "Mixed",
    Unknown: "Unknown",
  },
  Utilities: {
    AllPub: "All public utilities",
    NoSewr: "Electricity, gas and water (septic tank)",
    NoSeWa: "Electricity and gas only",
  },
  Roof_Style: { Gambrel: "Gambrel (barn)" },
  Roof_Matl: {
    ClyTile: "Clay or tile",
    CompShg: "Standard composite shingles",
    Membran: "Membrane",
    Roll: "Roll roofing",
    "Tar&Grv": "Tar and gravel",
    WdShake: "Wood shakes",
    WdShngl: "Wood shingles",
  },
  Mas_Vnr_Type: { None: "None" },
  Misc_Feature: {
    Elev: "Elevator",
    Gar2: "Second garage",
    None: "None",
    Othr: "Other",
    Shed: "Shed (over 100 sq ft)",
    TenC: "Tennis court",
  },
  Fence: {
    Good_Privacy: "Good privacy",
    Good_Wood: "Good wood",
    Minimum_Privacy: "Minimal privacy",
    Minimum_Wood_Wire: "Minimal wood or wire",
    No_Fence: "No fence",
  },
  Street: { Grvl: "Gravel", Pave: "Paved" },
  Paved_Drive: { Dirt_Gravel: "Dirt or gravel" },
  Land_Contour: {
    Lvl: "Flat or level",
    Bnk: "Banked (quick rise from street to house)",
    HLS: "Hillside (slopes side to side)",
    Low: "Depression",
  },
  Lot_Config: {
    Inside: "Inside lot",
    Corner: "Corner lot",
    CulDSac: "Cul-de-sac",
    FR2: "Street on two sides",
    FR3: "Street on three sides",
  },
  Land_Slope: { Gtl: "Gentle", Mod: "Moderate", Sev: "Severe" },
  Bsmt_Exposure: { No: "No walkout or garden level", Mn: "Minimal", Av: "Average", Gd: "Good" },
  Garage_Type: {
    Attchd: "Attached",
    Basment: "In the basement",
    BuiltIn: "Built in",
    CarPort: "Carport",
    Detchd: "Detached",
    More_Than_Two_Types: "More than one type",
  },
  Sale_Type: {
    WD: "Warranty deed, conventional",
    CWD: "Warranty deed, cash",
    VWD: "Warranty deed, VA loan",
    New: "New home, just built and sold",
    COD: "Court officer deed or estate",
    Con: "Contract, 15% down, regular terms",
    ConLw: "Contract, low down payment and interest",
    ConLI: "Contract, low interest",
    ConLD: "Contract, low down payment",
    Oth: "Other",
  },
  Sale_Condition: {
    Normal: "Normal sale",
    Abnorml: "Abnormal (trade, foreclosure, short sale)",
    AdjLand: "Adjoining land purchase",
    Alloca: "Allocation (linked properties, separate deeds)",
    Family: "Sale between family members",
    Partial: "New home not finished when last assessed",
  },
};

function proximityLabels(): Record<string, string> {
  return {
    Norm: "Normal",
    Artery: "Next to a main road",
    Feedr: "Next to a feeder street",
    PosN: "Near a park or other positive feature",
    PosA: "Next to a park or other positive feature",
    RRNn: "Within 200 ft of the north–south railway",
    RRAn: "Next to the north–south railway",
    RRNe: "Within 200 ft of the east–west railway",
    RRAe: "Next to the east–west railway",
  };
}

/**
 * A category level as people read it: the field's own label, a shared code's label, else the
 * code with spaces for underscores ("North_Ames" → "North Ames"; those levels are words).
 */
export function levelLabel(field: string, code: string): string {
  return BY_FIELD[field]?.[code] ?? SHARED[code] ?? code.replace(/_/g, " ");
}

/** True when `levelLabel` has a written label for the code (the tests hold every code to it). */
export function hasWrittenLabel(field: string, code: string): boolean {
  return BY_FIELD[field]?.[code] !== undefined || SHARED[code] !== undefined;
}
