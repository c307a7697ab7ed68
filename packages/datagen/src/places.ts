/**
 * Where orders go and where customers shop. As in the real dataset, order destinations are
 * worldwide with Spanish place names (accents included, all within latin-1), grouped into the
 * dataset's five markets and English region names; customers are in the US and Puerto Rico, with
 * English city names, and Caguas dominates.
 */
import type { Market } from '@lakestream/schema';

/** A destination of orders. */
export interface Destination {
  readonly market: Market;
  readonly region: string;
  readonly country: string;
  readonly state: string;
  readonly city: string;
  /** First zipcode of the city; only US destinations have one (the real file's Order Zipcode). */
  readonly zipBase: number | undefined;
}

/** Share of order items per market in the real file. */
export const MARKET_WEIGHTS: readonly (readonly [Market, number])[] = [
  ['Europe', 27.9],
  ['LATAM', 28.6],
  ['Pacific Asia', 22.9],
  ['USCA', 14.3],
  ['Africa', 6.4],
];

/** [region, country, state, city, zipcode base for US cities]. */
type DestinationSpec = readonly [string, string, string, string, number?];

// biome-ignore format: one destination per line reads as a table.
const DESTINATION_SPECS: Readonly<Record<Market, readonly DestinationSpec[]>> = {
  Europe: [
    ['Western Europe', 'Francia', 'Île-de-France', 'París'],
    ['Western Europe', 'Francia', "Provenza-Alpes-Costa Azul", 'Marsella'],
    ['Western Europe', 'Alemania', 'Baviera', 'Múnich'],
    ['Western Europe', 'Alemania', 'Renania del Norte-Westfalia', 'Colonia'],
    ['Western Europe', 'Alemania', 'Berlín', 'Berlín'],
    ['Western Europe', 'Países Bajos', 'Holanda Septentrional', 'Ámsterdam'],
    ['Western Europe', 'Bélgica', 'Bruselas', 'Bruselas'],
    ['Western Europe', 'Austria', 'Viena', 'Viena'],
    ['Western Europe', 'Suiza', 'Zúrich', 'Zúrich'],
    ['Northern Europe', 'Reino Unido', 'Inglaterra', 'Londres'],
    ['Northern Europe', 'Reino Unido', 'Escocia', 'Glasgow'],
    ['Northern Europe', 'Irlanda', 'Leinster', 'Dublín'],
    ['Northern Europe', 'Suecia', 'Estocolmo', 'Estocolmo'],
    ['Northern Europe', 'Dinamarca', 'Capital', 'Copenhague'],
    ['Northern Europe', 'Noruega', 'Oslo', 'Oslo'],
    ['Northern Europe', 'Finlandia', 'Uusimaa', 'Helsinki'],
    ['Southern Europe', 'España', 'Madrid', 'Madrid'],
    ['Southern Europe', 'España', 'Cataluña', 'Barcelona'],
    ['Southern Europe', 'España', 'Andalucía', 'Sevilla'],
    ['Southern Europe', 'Italia', 'Lacio', 'Roma'],
    ['Southern Europe', 'Italia', 'Lombardía', 'Milán'],
    ['Southern Europe', 'Portugal', 'Lisboa', 'Lisboa'],
    ['Southern Europe', 'Grecia', 'Ática', 'Atenas'],
    ['Eastern Europe', 'Polonia', 'Mazovia', 'Varsovia'],
    ['Eastern Europe', 'Rusia', 'Moscú', 'Moscú'],
    ['Eastern Europe', 'Ucrania', 'Kiev', 'Kiev'],
    ['Eastern Europe', 'Hungría', 'Budapest', 'Budapest'],
    ['Eastern Europe', 'República Checa', 'Praga', 'Praga'],
    ['Eastern Europe', 'Rumania', 'Bucarest', 'Bucarest'],
  ],
  LATAM: [
    ['Central America', 'México', 'Distrito Federal', 'Ciudad de México'],
    ['Central America', 'México', 'Jalisco', 'Guadalajara'],
    ['Central America', 'México', 'Nuevo León', 'Monterrey'],
    ['Central America', 'Guatemala', 'Guatemala', 'Ciudad de Guatemala'],
    ['Central America', 'Honduras', 'Francisco Morazán', 'Tegucigalpa'],
    ['Central America', 'El Salvador', 'San Salvador', 'San Salvador'],
    ['Central America', 'Nicaragua', 'Managua', 'Managua'],
    ['Central America', 'Costa Rica', 'San José', 'San José'],
    ['Central America', 'Panamá', 'Panamá', 'Panamá'],
    ['South America', 'Brasil', 'São Paulo', 'São Paulo'],
    ['South America', 'Brasil', 'Río de Janeiro', 'Río de Janeiro'],
    ['South America', 'Argentina', 'Buenos Aires', 'Buenos Aires'],
    ['South America', 'Colombia', 'Bogotá', 'Bogotá'],
    ['South America', 'Colombia', 'Antioquia', 'Medellín'],
    ['South America', 'Perú', 'Lima', 'Lima'],
    ['South America', 'Chile', 'Región Metropolitana', 'Santiago'],
    ['South America', 'Venezuela', 'Zulia', 'Maracaibo'],
    ['South America', 'Ecuador', 'Guayas', 'Guayaquil'],
    ['South America', 'Bolivia', 'La Paz', 'La Paz'],
    ['South America', 'Uruguay', 'Montevideo', 'Montevideo'],
    ['South America', 'Paraguay', 'Asunción', 'Asunción'],
    ['Caribbean', 'República Dominicana', 'Santo Domingo', 'Santo Domingo'],
    ['Caribbean', 'Cuba', 'La Habana', 'La Habana'],
    ['Caribbean', 'Haití', 'Oeste', 'Puerto Príncipe'],
    ['Caribbean', 'Jamaica', 'Kingston', 'Kingston'],
    ['Caribbean', 'Puerto Rico', 'Puerto Rico', 'San Juan'],
    ['Caribbean', 'Trinidad y Tobago', 'Puerto España', 'Puerto España'],
  ],
  'Pacific Asia': [
    ['Southeast Asia', 'Indonesia', 'Java Occidental', 'Bekasi'],
    ['Southeast Asia', 'Indonesia', 'Yakarta', 'Yakarta'],
    ['Southeast Asia', 'Filipinas', 'Gran Manila', 'Manila'],
    ['Southeast Asia', 'Tailandia', 'Bangkok', 'Bangkok'],
    ['Southeast Asia', 'Vietnam', 'Ho Chi Minh', 'Ciudad Ho Chi Minh'],
    ['Southeast Asia', 'Malasia', 'Kuala Lumpur', 'Kuala Lumpur'],
    ['Southeast Asia', 'Singapur', 'Singapur', 'Singapur'],
    ['South Asia', 'India', 'Rajastán', 'Jaipur'],
    ['South Asia', 'India', 'Maharashtra', 'Bombay'],
    ['South Asia', 'India', 'Delhi', 'Nueva Delhi'],
    ['South Asia', 'India', 'Bengala Occidental', 'Calcuta'],
    ['South Asia', 'Pakistán', 'Punyab', 'Lahore'],
    ['South Asia', 'Bangladés', 'Daca', 'Daca'],
    ['South Asia', 'Sri Lanka', 'Occidental', 'Colombo'],
    ['Oceania', 'Australia', 'Nueva Gales del Sur', 'Sídney'],
    ['Oceania', 'Australia', 'Victoria', 'Melbourne'],
    ['Oceania', 'Australia', 'Queensland', 'Brisbane'],
    ['Oceania', 'Nueva Zelanda', 'Auckland', 'Auckland'],
    ['Oceania', 'Papúa Nueva Guinea', 'Distrito de la Capital Nacional', 'Port Moresby'],
    ['Eastern Asia', 'China', 'Pekín', 'Pekín'],
    ['Eastern Asia', 'China', 'Shanghái', 'Shanghái'],
    ['Eastern Asia', 'China', 'Cantón', 'Cantón'],
    ['Eastern Asia', 'Japón', 'Tokio', 'Tokio'],
    ['Eastern Asia', 'Japón', 'Osaka', 'Osaka'],
    ['Eastern Asia', 'Corea del Sur', 'Seúl', 'Seúl'],
    ['Eastern Asia', 'Taiwán', 'Taipéi', 'Taipéi'],
    ['Eastern Asia', 'Mongolia', 'Ulán Bator', 'Ulán Bator'],
    ['West Asia', 'Turquía', 'Estambul', 'Estambul'],
    ['West Asia', 'Irán', 'Teherán', 'Teherán'],
    ['West Asia', 'Irak', 'Bagdad', 'Bagdad'],
    ['West Asia', 'Arabia Saudí', 'Riad', 'Riad'],
    ['West Asia', 'Israel', 'Tel Aviv', 'Tel Aviv'],
    ['West Asia', 'Emiratos Árabes Unidos', 'Dubái', 'Dubái'],
    ['Central Asia', 'Kazajistán', 'Almatý', 'Almatý'],
    ['Central Asia', 'Uzbekistán', 'Taskent', 'Taskent'],
    ['Central Asia', 'Kirguistán', 'Biskek', 'Biskek'],
    ['Central Asia', 'Turkmenistán', 'Asjabad', 'Asjabad'],
  ],
  // Canada is one destination among ~24 here, as in the real file (about 4% of USCA items); the
  // others are US cities with zipcodes, which is what leaves Order Zipcode empty in ~86% of rows.
  USCA: [
    ['West of USA', 'Estados Unidos', 'California', 'Los Ángeles', 90001],
    ['West of USA', 'Estados Unidos', 'California', 'San Francisco', 94102],
    ['West of USA', 'Estados Unidos', 'California', 'San Diego', 92101],
    ['West of USA', 'Estados Unidos', 'Washington', 'Seattle', 98101],
    ['West of USA', 'Estados Unidos', 'Oregón', 'Portland', 97201],
    ['West of USA', 'Estados Unidos', 'Arizona', 'Phoenix', 85001],
    ['US Center', 'Estados Unidos', 'Illinois', 'Chicago', 60601],
    ['US Center', 'Estados Unidos', 'Colorado', 'Denver', 80201],
    ['US Center', 'Estados Unidos', 'Minnesota', 'Mineápolis', 55401],
    ['US Center', 'Estados Unidos', 'Misuri', 'San Luis', 63101],
    ['US Center', 'Estados Unidos', 'Michigan', 'Detroit', 48201],
    ['East of USA', 'Estados Unidos', 'Nueva York', 'Nueva York', 10001],
    ['East of USA', 'Estados Unidos', 'Pensilvania', 'Filadelfia', 19101],
    ['East of USA', 'Estados Unidos', 'Massachusetts', 'Boston', 2108],
    ['East of USA', 'Estados Unidos', 'Ohio', 'Columbus', 43085],
    ['East of USA', 'Estados Unidos', 'Distrito de Columbia', 'Washington, D.C.', 20001],
    ['South of USA', 'Estados Unidos', 'Texas', 'Houston', 77001],
    ['South of USA', 'Estados Unidos', 'Texas', 'Dallas', 75201],
    ['South of USA', 'Estados Unidos', 'Florida', 'Miami', 33101],
    ['South of USA', 'Estados Unidos', 'Georgia', 'Atlanta', 30301],
    ['South of USA', 'Estados Unidos', 'Luisiana', 'Nueva Orleans', 70112],
    ['South of USA', 'Estados Unidos', 'Carolina del Norte', 'Charlotte', 28201],
    ['South of USA', 'Estados Unidos', 'Tennessee', 'Nashville', 37201],
    ['Canada', 'Canadá', 'Ontario', 'Toronto'],
  ],
  Africa: [
    ['North Africa', 'Egipto', 'El Cairo', 'El Cairo'],
    ['North Africa', 'Marruecos', 'Gran Casablanca', 'Casablanca'],
    ['North Africa', 'Argelia', 'Argel', 'Argel'],
    ['North Africa', 'Túnez', 'Túnez', 'Túnez'],
    ['West Africa', 'Nigeria', 'Lagos', 'Lagos'],
    ['West Africa', 'Ghana', 'Gran Acra', 'Acra'],
    ['West Africa', 'Senegal', 'Dakar', 'Dakar'],
    ['West Africa', 'Costa de Marfil', 'Abiyán', 'Abiyán'],
    ['Central Africa', 'República Democrática del Congo', 'Kinshasa', 'Kinshasa'],
    ['Central Africa', 'Camerún', 'Centro', 'Yaundé'],
    ['Central Africa', 'Angola', 'Luanda', 'Luanda'],
    ['East Africa', 'Kenia', 'Nairobi', 'Nairobi'],
    ['East Africa', 'Etiopía', 'Adís Abeba', 'Adís Abeba'],
    ['East Africa', 'Tanzania', 'Dar es Salaam', 'Dar es Salaam'],
    ['East Africa', 'Uganda', 'Central', 'Kampala'],
    ['Southern Africa', 'Sudáfrica', 'Gauteng', 'Johannesburgo'],
    ['Southern Africa', 'Sudáfrica', 'Cabo Occidental', 'Ciudad del Cabo'],
    ['Southern Africa', 'Zimbabue', 'Harare', 'Harare'],
    ['Southern Africa', 'Mozambique', 'Maputo', 'Maputo'],
  ],
};

/** The destinations of each market. */
export const DESTINATIONS: Readonly<Record<Market, readonly Destination[]>> = Object.freeze(
  Object.fromEntries(
    Object.entries(DESTINATION_SPECS).map(([market, specs]) => [
      market,
      specs.map(([region, country, state, city, zipBase]) => ({
        market: market as Market,
        region,
        country,
        state,
        city,
        zipBase,
      })),
    ]),
  ) as Record<Market, Destination[]>,
);

/** Where a customer's store is. */
export interface CustomerPlace {
  readonly city: string;
  readonly state: string;
  readonly country: string;
  /** Zipcode as the real file writes it: a number, so Puerto Rico's 00725 is `725`. */
  readonly zipcode: number;
  readonly latitude: number;
  readonly longitude: number;
}

/** [city, state code, country, zipcode, latitude, longitude, relative weight]. */
type CustomerPlaceSpec = readonly [string, string, string, number, number, number, number];

// biome-ignore format: one place per line reads as a table.
const CUSTOMER_PLACE_SPECS: readonly CustomerPlaceSpec[] = [
  ['Caguas', 'PR', 'Puerto Rico', 725, 18.2341, -66.0485, 34],
  ['San Juan', 'PR', 'Puerto Rico', 926, 18.4655, -66.1057, 2],
  ['Bayamón', 'PR', 'Puerto Rico', 956, 18.3985, -66.1557, 1],
  ['Mayagüez', 'PR', 'Puerto Rico', 680, 18.2013, -67.1397, 1],
  ['Chicago', 'IL', 'EE. UU.', 60629, 41.8781, -87.6298, 4],
  ['Los Angeles', 'CA', 'EE. UU.', 90011, 34.0522, -118.2437, 5],
  ['Brooklyn', 'NY', 'EE. UU.', 11220, 40.6782, -73.9442, 5],
  ['New York', 'NY', 'EE. UU.', 10033, 40.7128, -74.006, 3],
  ['Bronx', 'NY', 'EE. UU.', 10467, 40.8448, -73.8648, 2],
  ['Philadelphia', 'PA', 'EE. UU.', 19120, 39.9526, -75.1652, 3],
  ['Houston', 'TX', 'EE. UU.', 77084, 29.7604, -95.3698, 3],
  ['San Antonio', 'TX', 'EE. UU.', 78245, 29.4241, -98.4936, 2],
  ['Dallas', 'TX', 'EE. UU.', 75217, 32.7767, -96.797, 2],
  ['San Diego', 'CA', 'EE. UU.', 92117, 32.7157, -117.1611, 3],
  ['San Jose', 'CA', 'EE. UU.', 95123, 37.3382, -121.8863, 2],
  ['Miami', 'FL', 'EE. UU.', 33186, 25.7617, -80.1918, 2],
  ['Atlanta', 'GA', 'EE. UU.', 30318, 33.749, -84.388, 2],
  ['Detroit', 'MI', 'EE. UU.', 48235, 42.3314, -83.0458, 2],
  ['Denver', 'CO', 'EE. UU.', 80219, 39.7392, -104.9903, 2],
  ['Seattle', 'WA', 'EE. UU.', 98103, 47.6062, -122.3321, 2],
  ['Phoenix', 'AZ', 'EE. UU.', 85032, 33.4484, -112.074, 2],
  ['Las Vegas', 'NV', 'EE. UU.', 89115, 36.1699, -115.1398, 2],
  ['Columbus', 'OH', 'EE. UU.', 43229, 39.9612, -82.9988, 2],
  ['Baltimore', 'MD', 'EE. UU.', 21215, 39.2904, -76.6122, 2],
  ['Memphis', 'TN', 'EE. UU.', 38109, 35.1495, -90.049, 1],
  ['Sacramento', 'CA', 'EE. UU.', 95823, 38.5816, -121.4944, 1],
  ['Salt Lake City', 'UT', 'EE. UU.', 84120, 40.7608, -111.891, 1],
];

/** Customer store places with their relative weights. */
export const CUSTOMER_PLACES: readonly (readonly [CustomerPlace, number])[] = Object.freeze(
  CUSTOMER_PLACE_SPECS.map(
    ([city, state, country, zipcode, latitude, longitude, weight]) =>
      [{ city, state, country, zipcode, latitude, longitude }, weight] as const,
  ),
);
