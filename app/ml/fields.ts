// Field metadata for a raw Ames property record: the single source for the zod schema, the
// form, the OpenAPI document and the model card. Browser-safe (no node imports).
//
// Levels are every value that occurs in data/ames.csv, trimmed: the file has stray whitespace
// in one level (Sale_Type "WD "), so levels AND inputs are trimmed (see schema.ts) and "WD"
// is the canonical spelling.

import {
  DWELLING_TYPES,
  EXTERIOR_1ST,
  EXTERIOR_2ND,
  NEIGHBORHOODS,
  ROOF_MATERIALS,
  ZONING,
} from "./levels";

export type FieldKind = "number" | "integer" | "category";

export type FieldSpec = {
  name: string;
  label: string;
  kind: FieldKind;
  unit?: string;
  min?: number;
  max?: number;
  levels?: readonly string[];
  /**
   * The levels are listed worst to best (or none to most), and the model uses a level's index as
   * its rank. Declared here once: the features derive their ranks from it.
   */
  ordinal?: boolean;
  required: boolean;
  description?: string;
  group: string;
  default?: number | string;
};

export const TARGET_FIELD = "Sale_Price";

// Chosen by measured importance among what a homeowner knows (docs/training.md).
const REQUIRED = new Set([
  "Neighborhood",
  "Gr_Liv_Area",
  "Total_Bsmt_SF",
  "Lot_Area",
  "Year_Built",
  "Overall_Cond",
  "Bedroom_AbvGr",
  "Full_Bath",
  "Half_Bath",
  "Garage_Cars",
  "Year_Sold",
  "Mo_Sold",
]);

type Extra = Partial<Pick<FieldSpec, "unit" | "description" | "default" | "ordinal">>;

function num(
  name: string,
  label: string,
  group: string,
  min: number,
  max: number,
  extra: Extra = {},
): FieldSpec {
  return { name, label, kind: "number", min, max, group, required: REQUIRED.has(name), ...extra };
}

function int(
  name: string,
  label: string,
  group: string,
  min: number,
  max: number,
  extra: Extra = {},
): FieldSpec {
  return { name, label, kind: "integer", min, max, group, required: REQUIRED.has(name), ...extra };
}

function cat(
  name: string,
  label: string,
  group: string,
  levels: readonly string[],
  extra: Extra = {},
): FieldSpec {
  return { name, label, kind: "category", levels, group, required: REQUIRED.has(name), ...extra };
}

/** A category whose levels are ordered worst to best (see FieldSpec.ordinal). */
const ord = (...[name, label, group, levels, extra]: Parameters<typeof cat>): FieldSpec =>
  cat(name, label, group, levels, { ...extra, ordinal: true });

const SQFT = { unit: "sq ft" } as const;
// Quality/condition scales, worst to best (the order is also the ordinal encoding).
const QUALITY5 = ["Poor", "Fair", "Typical", "Good", "Excellent"] as const;

export const FIELDS: readonly FieldSpec[] = [
  // Location
  cat("Neighborhood", "Neighbourhood", "Location", NEIGHBORHOODS, {
    default: "North_Ames",
    description: "Neighbourhood within Ames city limits",
  }),
  num("Longitude", "Longitude", "Location", -93.75, -93.5, {
    unit: "°",
    description: "Imputed from the neighbourhood when missing",
  }),
  num("Latitude", "Latitude", "Location", 41.95, 42.1, {
    unit: "°",
    description: "Imputed from the neighbourhood when missing",
  }),
  cat("MS_Zoning", "Zoning", "Location", ZONING),
  cat("Condition_1", "Proximity to road/rail", "Location", [
    "Artery",
    "Feedr",
    "Norm",
    "PosA",
    "PosN",
    "RRAe",
    "RRAn",
    "RRNe",
    "RRNn",
  ]),
  cat("Condition_2", "Proximity (second condition)", "Location", [
    "Artery",
    "Feedr",
    "Norm",
    "PosA",
    "PosN",
    "RRAe",
    "RRAn",
    "RRNn",
  ]),

  // Size
  num("Gr_Liv_Area", "Above-ground living area", "Size", 100, 20000, { ...SQFT, default: 1500 }),
  num("Total_Bsmt_SF", "Basement area", "Size", 0, 20000, {
    ...SQFT,
    default: 1000,
    description: "0 if there is no basement",
  }),
  num("First_Flr_SF", "First floor area", "Size", 0, 20000, SQFT),
  num("Second_Flr_SF", "Second floor area", "Size", 0, 20000, SQFT),
  num("Lot_Area", "Lot area", "Size", 500, 1000000, { ...SQFT, default: 10000 }),
  num("Lot_Frontage", "Street frontage", "Size", 0, 1000, { unit: "ft" }),

  // Rooms
  int("Bedroom_AbvGr", "Bedrooms (above ground)", "Rooms", 0, 20, { default: 3 }),
  int("Full_Bath", "Full bathrooms (above ground)", "Rooms", 0, 10, { default: 2 }),
  int("Half_Bath", "Half bathrooms (above ground)", "Rooms", 0, 10, { default: 0 }),
  int("Bsmt_Full_Bath", "Basement full bathrooms", "Rooms", 0, 10),
  int("Bsmt_Half_Bath", "Basement half bathrooms", "Rooms", 0, 10),
  int("Kitchen_AbvGr", "Kitchens", "Rooms", 0, 5),
  int("TotRms_AbvGrd", "Rooms above ground (excl. bathrooms)", "Rooms", 1, 30),
  int("Fireplaces", "Fireplaces", "Rooms", 0, 10),

  // Quality
  ord(
    "Overall_Cond",
    "Overall condition",
    "Quality",
    [
      "Very_Poor",
      "Poor",
      "Fair",
      "Below_Average",
      "Average",
      "Above_Average",
      "Good",
      "Very_Good",
      "Excellent",
    ],
    { default: "Average" },
  ),
  ord("Exter_Cond", "Exterior condition", "Quality", QUALITY5),
  ord("Heating_QC", "Heating quality", "Quality", QUALITY5),
  ord(
    "Functional",
    "Home functionality",
    "Quality",
    ["Sal", "Sev", "Maj2", "Maj1", "Mod", "Min2", "Min1", "Typ"],
    { description: "Deductions for damage or needed repairs; most homes are typical" },
  ),

  // Building
  int("Year_Built", "Year built", "Building", 1800, 2010, { default: 1975 }),
  int("Year_Remod_Add", "Year remodelled", "Building", 1800, 2010, {
    description: "Same as the year built if never remodelled",
  }),
  cat("MS_SubClass", "Dwelling type", "Building", DWELLING_TYPES),
  cat("Bldg_Type", "Building type", "Building", [
    "Duplex",
    "OneFam",
    "Twnhs",
    "TwnhsE",
    "TwoFmCon",
  ]),
  cat("House_Style", "House style", "Building", [
    "One_Story",
    "One_and_Half_Fin",
    "One_and_Half_Unf",
    "SFoyer",
    "SLvl",
    "Two_Story",
    "Two_and_Half_Fin",
    "Two_and_Half_Unf",
  ]),
  cat("Foundation", "Foundation", "Building", [
    "BrkTil",
    "CBlock",
    "PConc",
    "Slab",
    "Stone",
    "Wood",
  ]),
  cat("Heating", "Heating type", "Building", ["Floor", "GasA", "GasW", "Grav", "OthW", "Wall"]),
  ord("Central_Air", "Central air conditioning", "Building", ["N", "Y"]),
  cat("Electrical", "Electrical system", "Building", [
    "FuseA",
    "FuseF",
    "FuseP",
    "Mix",
    "SBrkr",
    "Unknown",
  ]),
  cat("Utilities", "Utilities", "Building", ["AllPub", "NoSeWa", "NoSewr"]),

  // Exterior
  cat("Roof_Style", "Roof style", "Exterior", [
    "Flat",
    "Gable",
    "Gambrel",
    "Hip",
    "Mansard",
    "Shed",
  ]),
  cat("Roof_Matl", "Roof material", "Exterior", ROOF_MATERIALS),
  cat("Exterior_1st", "Exterior covering", "Exterior", EXTERIOR_1ST),
  cat("Exterior_2nd", "Exterior covering (second material)", "Exterior", EXTERIOR_2ND),
  cat("Mas_Vnr_Type", "Masonry veneer type", "Exterior", [
    "BrkCmn",
    "BrkFace",
    "CBlock",
    "None",
    "Stone",
  ]),
  num("Mas_Vnr_Area", "Masonry veneer area", "Exterior", 0, 5000, SQFT),
  num("Wood_Deck_SF", "Wood deck area", "Exterior", 0, 5000, SQFT),
  num("Open_Porch_SF", "Open porch area", "Exterior", 0, 5000, SQFT),
  num("Enclosed_Porch", "Enclosed porch area", "Exterior", 0, 5000, SQFT),
  num("Three_season_porch", "Three-season porch area", "Exterior", 0, 5000, SQFT),
  num("Screen_Porch", "Screen porch area", "Exterior", 0, 5000, SQFT),
  num("Pool_Area", "Pool area", "Exterior", 0, 5000, SQFT),
  ord("Pool_QC", "Pool quality", "Exterior", ["No_Pool", ...QUALITY5]),
  cat("Fence", "Fence", "Exterior", [
    "Good_Privacy",
    "Good_Wood",
    "Minimum_Privacy",
    "Minimum_Wood_Wire",
    "No_Fence",
  ]),
  ord("Paved_Drive", "Driveway", "Exterior", ["Dirt_Gravel", "Partial_Pavement", "Paved"]),
  cat("Misc_Feature", "Miscellaneous feature", "Exterior", [
    "Elev",
    "Gar2",
    "None",
    "Othr",
    "Shed",
    "TenC",
  ]),
  num("Misc_Val", "Value of miscellaneous feature", "Exterior", 0, 100000, { unit: "USD" }),

  // Lot
  ord("Street", "Street access", "Lot", ["Grvl", "Pave"]),
  cat("Alley", "Alley access", "Lot", ["Gravel", "No_Alley_Access", "Paved"]),
  ord("Lot_Shape", "Lot shape", "Lot", [
    "Irregular",
    "Moderately_Irregular",
    "Slightly_Irregular",
    "Regular",
  ]),
  cat("Land_Contour", "Land flatness", "Lot", ["Bnk", "HLS", "Low", "Lvl"]),
  cat("Lot_Config", "Lot configuration", "Lot", ["Corner", "CulDSac", "FR2", "FR3", "Inside"]),
  ord("Land_Slope", "Land slope", "Lot", ["Sev", "Mod", "Gtl"]),

  // Basement
  ord("Bsmt_Cond", "Basement condition", "Basement", ["No_Basement", ...QUALITY5]),
  ord("Bsmt_Exposure", "Basement exposure", "Basement", ["No_Basement", "No", "Mn", "Av", "Gd"]),
  ord("BsmtFin_Type_1", "Basement finish (type 1)", "Basement", [
    "No_Basement",
    "Unf",
    "LwQ",
    "Rec",
    "BLQ",
    "ALQ",
    "GLQ",
  ]),
  num("BsmtFin_SF_1", "Basement finish code (type 1)", "Basement", 0, 7, {
    description: "A code from 0 to 7 in this data set, not an area: leave it empty if unsure",
  }),
  ord("BsmtFin_Type_2", "Basement finish (type 2)", "Basement", [
    "No_Basement",
    "Unf",
    "LwQ",
    "Rec",
    "BLQ",
    "ALQ",
    "GLQ",
  ]),
  num("BsmtFin_SF_2", "Finished basement area (type 2)", "Basement", 0, 20000, SQFT),
  num("Bsmt_Unf_SF", "Unfinished basement area", "Basement", 0, 20000, SQFT),

  // Garage
  int("Garage_Cars", "Garage size (cars)", "Garage", 0, 10, { default: 2 }),
  num("Garage_Area", "Garage area", "Garage", 0, 10000, SQFT),
  cat("Garage_Type", "Garage type", "Garage", [
    "Attchd",
    "Basment",
    "BuiltIn",
    "CarPort",
    "Detchd",
    "More_Than_Two_Types",
    "No_Garage",
  ]),
  ord("Garage_Finish", "Garage interior finish", "Garage", ["No_Garage", "Unf", "RFn", "Fin"]),
  ord("Garage_Cond", "Garage condition", "Garage", ["No_Garage", ...QUALITY5]),

  // Sale
  int("Year_Sold", "Year of sale", "Sale", 2006, 2010, {
    default: 2010,
    description: "The model knows the 2006–2010 market only",
  }),
  int("Mo_Sold", "Month of sale", "Sale", 1, 12, { default: 6 }),
  cat("Sale_Type", "Sale type", "Sale", [
    "COD",
    "CWD",
    "Con",
    "ConLD",
    "ConLI",
    "ConLw",
    "New",
    "Oth",
    "VWD",
    "WD",
  ]),
  cat("Sale_Condition", "Sale condition", "Sale", [
    "Abnorml",
    "AdjLand",
    "Alloca",
    "Family",
    "Normal",
    "Partial",
  ]),
];

export const FIELD_BY_NAME: ReadonlyMap<string, FieldSpec> = new Map(
  FIELDS.map((f) => [f.name, f]),
);
export const REQUIRED_FIELDS: readonly string[] = FIELDS.filter((f) => f.required).map(
  (f) => f.name,
);
export const OPTIONAL_FIELDS: readonly string[] = FIELDS.filter((f) => !f.required).map(
  (f) => f.name,
);
