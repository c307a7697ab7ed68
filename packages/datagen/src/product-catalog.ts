/**
 * The fixed product catalog: 11 departments, 50 categories, 118 products, each with one price.
 * It does not depend on the seed — like the real store, every generated file sells the same
 * products at the same prices, so files made with different seeds can be compared and joined.
 *
 * Names echo the real dataset's quirks on purpose: some end in a space ("Smart watch "), one holds
 * a comma and one a double quote (so the CSV writer must quote them), a few carry latin-1 accents,
 * and the category "Cameras " has a trailing space as in the real file.
 */
import { SeededRandom, WeightedChoice } from './seeded-random.js';

/** One product as it appears in every order item that sells it. */
export interface Product {
  readonly cardId: number;
  readonly name: string;
  readonly priceCents: number;
  readonly image: string;
  readonly categoryId: number;
  readonly categoryName: string;
  readonly departmentId: number;
  readonly departmentName: string;
}

const DEPARTMENTS: Readonly<Record<number, string>> = {
  2: 'Fitness',
  3: 'Footwear',
  4: 'Apparel',
  5: 'Golf',
  6: 'Outdoors',
  7: 'Fan Shop',
  8: 'Book Shop',
  9: 'Discs Shop',
  10: 'Technology',
  11: 'Pet Shop',
  12: 'Health and Beauty',
};

/** [category id, category name, department id, price range in dollars, product nouns]. */
type CategorySpec = readonly [number, string, number, readonly [number, number], readonly string[]];

// biome-ignore format: one category per line reads as a table.
const CATEGORIES: readonly CategorySpec[] = [
  [2, 'Sporting Goods', 2, [10, 40], ['Multi-Sport Ball Pump', 'Agility Ladder', 'Stopwatch']],
  [9, 'Cardio Equipment', 2, [200, 1999], ['Folding Treadmill', 'Elliptical Trainer', 'Exercise Bike']],
  [10, 'Strength Training', 2, [30, 400], ['Adjustable Dumbbell Set', 'Kettlebell 20 lb', 'Olympic Weight Bench']],
  [11, 'Fitness Accessories', 2, [10, 60], ['Yoga Mat', 'Resistance Band Kit', 'Foam Roller']],
  [12, 'Boxing & MMA', 2, [20, 150], ['Heavy Bag', 'Sparring Gloves 16 oz', 'Hand Wraps']],
  [13, 'As Seen on TV!', 2, [20, 60], ['Perfect Rip Deck ', 'Ab Wheel Roller']],
  [17, 'Cleats', 3, [40, 130], ["Men's Vapor Football Cleat", 'Youth Soccer Cleat', "Women's Softball Cleat"]],
  [18, "Men's Footwear", 3, [60, 160], ["Men's Free 5.0+ Running Shoe", "Men's Trail Runner", "Men's Court Sneaker"]],
  [24, "Women's Apparel", 4, [20, 80], ["Women's Running Tee", "Women's Fleece Hoodie", "Women's Compression Tight"]],
  [26, "Men's Clothing", 4, [20, 90], ["Men's Dri-FIT Polo", "Men's Training Short", "Men's Windbreaker"]],
  [29, "Women's Clothing", 4, [20, 90], ["Women's Yoga Capri", "Women's Tank Top", "Women's Running Jacket"]],
  [30, "Girls' Apparel", 4, [15, 50], ["Girls' Spine Surge Runner", "Girls' Softball Jersey", "Girls' Leggings"]],
  [33, "Children's Clothing", 4, [15, 50], ["Kids' Rain Jacket", "Kids' Track Pant", "Kids' Team Hoodie"]],
  [34, 'Baby', 4, [10, 35], ['Infant Team Bodysuit', 'Toddler Knit Cap', 'Baby Sneakers']],
  [35, 'Accessories', 4, [10, 45], ['Sport Sunglasses', 'Team Logo Cap', 'Sport Water Bottle']],
  [36, 'Golf Balls', 5, [20, 50], ['Tour Golf Balls 12-Pack', 'Distance Golf Balls 24-Pack']],
  [37, 'Golf Gloves', 5, [15, 30], ["Men's Tour Golf Glove", "Women's All-Weather Golf Glove"]],
  [38, 'Golf Bags & Carts', 5, [100, 300], ['Stand Golf Bag', 'Push Cart, Black']],
  [40, 'Golf Shoes', 5, [80, 200], ["Men's Spikeless Golf Shoe", "Women's Golf Sandal"]],
  [41, 'Golf Apparel', 5, [40, 100], ["Men's Golf Pullover", "Women's Golf Skort"]],
  [42, "Women's Golf Clubs", 5, [150, 600], ["Women's Complete Set", "Women's Hybrid"]],
  [43, "Men's Golf Clubs", 5, [150, 500], ["Men's Driver", "Men's Iron Set", 'Men\'s 35" Putter']],
  [44, "Kids' Golf Clubs", 5, [50, 200], ['Junior Starter Set', 'Junior Putter']],
  [45, 'Hunting & Shooting', 6, [60, 300], ['Tree Stand', 'Blind Chair']],
  [46, 'Camping & Hiking', 6, [30, 400], ['4-Person Dome Tent', 'Sleeping Bag 20°F', 'Trekking Poles']],
  [47, 'Fishing', 6, [30, 400], ['Spinning Rod Combo', 'Tackle Box', 'Fly Fishing Reel']],
  [48, 'Water Sports', 6, [30, 700], ['Inflatable Kayak', 'Snorkel Set', 'Stand-Up Paddle Board']],
  [49, 'Indoor/Outdoor Games', 6, [40, 300], ['Cornhole Set', 'Ping-Pong Table']],
  [66, 'Garden', 6, [20, 60], ['Garden Hose 50 ft', 'Folding Camp Chair']],
  [3, 'Baseball & Softball', 7, [20, 120], ['Youth Baseball Glove', 'Aluminum Bat', 'Batting Helmet']],
  [4, 'Basketball', 7, [20, 200], ['Indoor/Outdoor Basketball', 'Portable Hoop', 'Basketball Shoe']],
  [5, 'Lacrosse', 7, [40, 150], ['Lacrosse Stick', 'Lacrosse Helmet']],
  [6, 'Tennis & Racquet', 7, [5, 180], ['Tennis Racquet', 'Tennis Balls 3-Pack', 'Racquet Bag']],
  [7, 'Hockey', 7, [30, 150], ['Hockey Stick', 'Inline Skates ']],
  [50, 'Shop By Sport', 7, [20, 90], ['Team Sideline Cap', 'Fan Jersey']],
  [51, 'Soccer', 7, [20, 150], ['Match Soccer Ball', 'Shin Guards', 'Portable Goal']],
  [52, 'Trade-In', 7, [10, 50], ['Trade-In Credit Voucher']],
  [53, 'Toys', 7, [10, 60], ['Foam Football', 'Kick Scooter']],
  [56, 'Books', 8, [10, 40], ['Guía de Fútbol', 'Golf Fundamentals']],
  [57, 'Crafts', 8, [10, 30], ['Team Craft Kit']],
  [58, 'DVDs', 9, [10, 25], ['Yoga for Beginners DVD', 'Classic Games DVD']],
  [59, 'CDs', 9, [10, 20], ['Workout Mix CD']],
  [60, 'Music', 9, [15, 40], ['Stadium Anthems Vinyl']],
  [61, 'Video Games', 9, [20, 60], ['Soccer Video Game', 'Golf Video Game']],
  [62, 'Electronics', 10, [100, 400], ['Smart watch ', 'Heart Rate Monitor ']],
  [63, 'Consumer Electronics', 10, [30, 250], ['Bluetooth Speaker', 'Wireless Earbuds']],
  [64, 'Cameras ', 10, [50, 450], ['Action Camera', 'Camera Chest Mount']],
  [65, 'Computers', 10, [30, 1500], ['Laptop Sleeve', 'Fitness Tracker Dock']],
  [67, 'Pet Supplies', 11, [10, 40], ['Dog Frisbee', 'Pet Team Collar']],
  [68, 'Health and Beauty', 12, [8, 30], ['Sunscreen SPF 50', 'Muscle Rub']],
];

const BRANDS = [
  'Nike',
  'Under Armour',
  'adidas',
  'Perfect Fitness',
  'Diamondback',
  'Field & Stream',
  'Pelican',
  "O'Brien",
  'Glove It',
  'Bag Boy',
  'Hirzl',
  'TaylorMade',
  'Titleist',
  'Columbia',
  'Coleman',
  'Garmin',
  'GoPro',
  'Wilson',
  'Rawlings',
  'Bauer',
  'Team Golf',
  'Fútbol Total',
];

/** Cents endings of shelf prices: mostly .99, some .98 and round dollars. */
const PRICE_ENDINGS = [99, 99, 99, 99, 98, 0];

/** The image URL the real file derives from a name: inner spaces become `+`, a trailing one stays. */
function imageUrl(name: string): string {
  const trimmed = name.trimEnd();
  const path = trimmed.replaceAll(' ', '+').replaceAll('"', '%22');
  return `http://images.acmesports.sports/${path}${name.slice(trimmed.length)}`;
}

function buildCatalog(): readonly Product[] {
  // A private, fixed seed: the catalog must not change with the generator's seed.
  const random = new SeededRandom(0x0da7ac0);
  const products: Product[] = [];
  for (const [categoryId, categoryName, departmentId, [low, high], nouns] of CATEGORIES) {
    for (const noun of nouns) {
      const index = products.length;
      const name = `${BRANDS[(index * 7) % BRANDS.length]} ${noun}`;
      products.push({
        // Spread over 19…1363 like the real ids, with gaps, in catalog order.
        cardId: 19 + Math.round((index * 1344) / 117),
        name,
        priceCents: random.int(low, high - 1) * 100 + random.pick(PRICE_ENDINGS),
        image: imageUrl(name),
        categoryId,
        categoryName,
        departmentId,
        departmentName: DEPARTMENTS[departmentId]!,
      });
    }
  }
  return products;
}

/** The 118 products, in catalog order. */
export const PRODUCTS: readonly Product[] = Object.freeze(buildCatalog());

/**
 * Popularity: Zipf-like (weight 1/rank) over a fixed shuffle of the catalog. A handful of products
 * sell most items, as in the real data, while the least popular still appears about 30 times per
 * 20,000 rows, so every product shows up in any file of realistic size.
 */
export function productPopularity(): WeightedChoice<Product> {
  const random = new SeededRandom(0x5eed);
  const order = PRODUCTS.map((product) => ({ product, key: random.next() }));
  order.sort((x, y) => x.key - y.key);
  return new WeightedChoice(order.map(({ product }, rank) => [product, 1 / (rank + 1)] as const));
}
