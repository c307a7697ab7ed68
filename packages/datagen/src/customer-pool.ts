/**
 * The customers of a generated file. Customers arrive over time: an order either brings a new
 * customer (the next id) or comes from one already seen. That keeps ids increasing with first
 * purchase, gives early customers more orders, and makes the items-per-customer ratio come out of a
 * single probability instead of a guessed pool size.
 */
import { CUSTOMER_SEGMENTS, type CustomerSegment } from '@lakestream/schema';
import { CUSTOMER_PLACES, type CustomerPlace } from './places.js';
import { type SeededRandom, WeightedChoice } from './seeded-random.js';

/** One customer, with every text the CSV writes for it already formatted. */
export interface Customer {
  readonly id: string;
  readonly firstName: string;
  /** Empty for a few customers, as in the real file. */
  readonly lastName: string;
  readonly segment: CustomerSegment;
  readonly place: CustomerPlace;
  readonly street: string;
  /** Empty for a very few customers, as in the real file. */
  readonly zipcode: string;
  /** Location of the customer's store, near the city. */
  readonly latitude: string;
  readonly longitude: string;
}

/** Share of customers with no last name (the real file has a handful). */
const MISSING_LAST_NAME = 0.002;
/** Share of customers with no zipcode. */
const MISSING_ZIPCODE = 0.001;
/** Share of streets with an apartment after a comma, which the CSV writer must quote. */
const STREET_WITH_APARTMENT = 0.01;

const FIRST_NAMES = new WeightedChoice<string>([
  ['Mary', 30],
  ...[
    'James',
    'Robert',
    'John',
    'Michael',
    'David',
    'William',
    'Richard',
    'Joseph',
    'Thomas',
    'Patricia',
    'Jennifer',
    'Linda',
    'Elizabeth',
    'Barbara',
    'Susan',
    'Jessica',
    'Sarah',
    'Karen',
    'Cally',
    'Lisa',
    'Nancy',
    'Betty',
    'Sandra',
    'Ashley',
    'Kimberly',
    'Donna',
    'Emily',
    'Carol',
    'José',
    'María',
    'Sofía',
    'Andrés',
    'Raúl',
    'Inés',
    'Ramón',
    'Lucía',
    'Héctor',
    'Mónica',
  ].map((name) => [name, 1.5] as const),
]);

const LAST_NAMES = new WeightedChoice<string>([
  ['Smith', 30],
  ...[
    'Johnson',
    'Williams',
    'Brown',
    'Jones',
    'Miller',
    'Davis',
    'Wilson',
    'Anderson',
    'Taylor',
    'Thomas',
    'Moore',
    'Jackson',
    'Martin',
    'Lee',
    'Thompson',
    'White',
    'Harris',
    'Clark',
    'Lewis',
    'Robinson',
    'Walker',
    'Young',
    'Allen',
    'King',
    'Wright',
    'Scott',
    'Hill',
    'Green',
    'Adams',
    'Holloway',
    'García',
    'Rodríguez',
    'Martínez',
    'Hernández',
    'López',
    'González',
    'Pérez',
    'Sánchez',
    'Ramírez',
    'Torres',
    'Rivera',
    'Gómez',
    'Díaz',
    'Cruz',
    'Ortiz',
    'Gutiérrez',
    'Álvarez',
    'Jiménez',
    'Peña',
    'Muñoz',
    'Ibáñez',
    'Castaño',
  ].map((name) => [name, 1] as const),
]);

const STREET_WORDS = [
  'Noble',
  'Nectar',
  'Quiet',
  'Golden',
  'Misty',
  'Amber',
  'Cinder',
  'Hidden',
  'Lazy',
  'Pleasant',
  'Rustic',
  'Silent',
  'Sunny',
  'Velvet',
  'Wishing',
  'Burning',
  'Crystal',
  'Dewy',
  'Emerald',
  'Foggy',
  'Grand',
  'Harvest',
  'Indian',
  'Jagged',
  'Merry',
  'Old',
  'Pony',
  'Round',
  'Shady',
  'Tawny',
  'Umber',
  'Blue',
  'Cotton',
  'Deer',
  'Fox',
  'Goose',
  'Hickory',
  'Iron',
  'Lake',
  'Maple',
  'Oak',
  'Pine',
  'Rabbit',
  'Sage',
  'Timber',
  'Willow',
];

const STREET_KINDS = [
  'Island',
  'Street',
  'Avenue',
  'Path',
  'Road',
  'Court',
  'Lane',
  'Trail',
  'Point',
  'Heights',
  'Plaza',
  'Village',
  'Embankment',
  'Gate',
  'Grove',
  'Landing',
  'Pike',
  'Ridge',
  'Thicket',
  'Way',
];

const SEGMENTS = new WeightedChoice<CustomerSegment>(
  CUSTOMER_SEGMENTS.map((segment) => {
    const weight = { Consumer: 52, Corporate: 30, 'Home Office': 18 }[segment];
    return [segment, weight] as const;
  }),
);

const PLACES = new WeightedChoice<CustomerPlace>(CUSTOMER_PLACES);

/** The customers created so far, and the draws that create and revisit them. */
export class CustomerPool {
  readonly #random: SeededRandom;
  readonly #customers: Customer[] = [];

  constructor(random: SeededRandom) {
    this.#random = random;
  }

  /** How many customers exist. */
  get size(): number {
    return this.#customers.length;
  }

  /** Creates the next customer (ids 1, 2, 3…). */
  create(): Customer {
    const random = this.#random;
    const place = PLACES.draw(random);
    let street = `${random.int(100, 9999)} ${random.pick(STREET_WORDS)} ${random.pick(STREET_WORDS)} ${random.pick(STREET_KINDS)}`;
    if (random.chance(STREET_WITH_APARTMENT)) street += `, Apt ${random.int(1, 40)}`;
    const customer: Customer = {
      id: String(this.#customers.length + 1),
      firstName: FIRST_NAMES.draw(random),
      lastName: random.chance(MISSING_LAST_NAME) ? '' : LAST_NAMES.draw(random),
      segment: SEGMENTS.draw(random),
      place,
      street,
      zipcode: random.chance(MISSING_ZIPCODE) ? '' : String(place.zipcode),
      // Stores sit within a few kilometres of the city centre.
      latitude: (place.latitude + (random.next() - 0.5) * 0.08).toFixed(8),
      longitude: (place.longitude + (random.next() - 0.5) * 0.08).toFixed(8),
    };
    this.#customers.push(customer);
    return customer;
  }

  /** A uniformly chosen existing customer; there must be at least one. */
  pickExisting(): Customer {
    return this.#random.pick(this.#customers);
  }
}
